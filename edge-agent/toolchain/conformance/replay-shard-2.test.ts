import { describeReplayShard } from './replay';

describeReplayShard(1, 2);
