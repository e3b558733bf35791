/**
 * Registers every experiment the command line knows (import for the side effect).
 * @module
 */
import "../meta/lr_sweep.ts";
import "../meta/few_shot/experiment.ts";
import "../meta/evolution/experiment.ts";
import "../meta/l2o/experiment.ts";
