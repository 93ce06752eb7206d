import { RankCountsCache, thresholdGrid } from '../src/batch/rank-counts-cache.js';
import { binaryBatch } from './data.js';
const binary = binaryBatch(1_000_000, 2);
const batch = { task: 'binary', input: 'probs', rows: binary.labels.length, classes: 1, scores: binary.scores, scoresAreLogOdds: false, labels: binary.labels, ignoreIndex: null, weights: null, warnings: [] } as any;
for (let i = 0; i < 30; i++) new RankCountsCache(batch).ofClass(0, thresholdGrid(null));
