import 'reflect-metadata';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { printFileSchema } from '../graphql/print-schema';

/** Regenerates schema.graphql (a test fails when it drifts from the code). */
printFileSchema()
  .then((text) => writeFile(path.resolve('schema.graphql'), text))
  .then(() => console.log('wrote schema.graphql'))
  .catch((error) => {
    console.error(error);
    process.exit(1);
  });
