// Prints the existing demo corpus (src/models/corpus/demoCorpus.ts), one sentence a line, for the Python trainer.
import { DEMO_CORPUS } from '../../src/models/corpus/demoCorpus.ts';

process.stdout.write(DEMO_CORPUS.join('\n') + '\n');
