/**
 * Registers every experiment the command line knows (import for the side effect).
 * @module
 */
import "../meta/lr_sweep.ts";
import "../meta/few_shot/experiment.ts";
import "../meta/meta_evolution_experiment.ts";
import "../meta/l2o.ts";
