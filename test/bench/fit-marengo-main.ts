// Run by fit-marengo-process.ts in a child process: fits the generator on the data folder given.
import { printFittedModel } from './fit-marengo-process.js';

printFittedModel(process.argv[2] ?? '');
