import { Migration20261128135746 } from './Migration20261128135746';
import { Migration20261128141734 } from './Migration20261128141734';
import { Migration20261202011654 } from './Migration20261202011654';
import { Migration20261202011817 } from './Migration20261202011817';
import { Migration20261202040306 } from './Migration20261202040306';
import { Migration20261202042335 } from './Migration20261202042335';
import { Migration20261202051829 } from './Migration20261202051829';
import { Migration20261202072223 } from './Migration20261202072223';
import { Migration20261202073346 } from './Migration20261202073346';
import { Migration20261202090000 } from './Migration20261202090000';

/** Every migration, oldest first. Listed by hand so that no file-system glob is needed at run time. */
export const migrationsList = [
  { name: 'Migration20261128135746', class: Migration20261128135746 },
  { name: 'Migration20261128141734', class: Migration20261128141734 },
  { name: 'Migration20261202011654', class: Migration20261202011654 },
  { name: 'Migration20261202011817', class: Migration20261202011817 },
  { name: 'Migration20261202040306', class: Migration20261202040306 },
  { name: 'Migration20261202042335', class: Migration20261202042335 },
  { name: 'Migration20261202051829', class: Migration20261202051829 },
  { name: 'Migration20261202072223', class: Migration20261202072223 },
  { name: 'Migration20261202073346', class: Migration20261202073346 },
  { name: 'Migration20261202090000', class: Migration20261202090000 },
];
