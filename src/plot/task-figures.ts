/**
 * The task pictures of `bimt plot --kind task` (docs/cli.md, "bimt plot"): a task names the kinds
 * of picture it has (`TaskDefinition.figures`, src/tasks/task.ts) and this table draws each kind,
 * one module per picture in src/plot/figures/. A kind without a builder does not compile.
 */
import type { TaskFigureKind } from '../tasks/task.js';
import type { TaskFigureBuilder } from './figure.js';
import { confusionFigures } from './figures/confusion.js';
import { decisionBoundaryFigures } from './figures/decision-boundary.js';
import { embeddingFrequencyFigures } from './figures/embedding-frequencies.js';
import { embeddingSignFigures } from './figures/embedding-sign.js';
import { predictedVsTrueFigures } from './figures/predicted-vs-true.js';

export const TASK_FIGURES: Readonly<Record<TaskFigureKind, TaskFigureBuilder>> = {
  'decision-boundary': decisionBoundaryFigures,
  'predicted-vs-true': predictedVsTrueFigures,
  'embedding-frequencies': embeddingFrequencyFigures,
  'embedding-sign': embeddingSignFigures,
  confusion: confusionFigures,
};
