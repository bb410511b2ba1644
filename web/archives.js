// ZIP downloads of a selection or a folder.
import * as api from './api.js';
import { followDownload } from './dom.js';

/**
 * target: { ids } or { folder } (its whole subtree, paths relative to it).
 * createArchive answers with a short-lived URL of this server that streams the
 * ZIP as an attachment; files the caller may not read are left out by the server.
 */
export function downloadArchive(target, name) {
  return api.graphql(api.queries.createArchive, Object.assign({ name: name + '.zip' }, target)).then(function (data) {
    followDownload(data.createArchive.url);
  });
}
