/** A CPU backend that records what the populations it creates are asked to hold. */
import { CpuBackend, type CpuPopulation } from "../../../learners/cpu_backend.ts";
import type { PopulationSpec } from "../../../learners/mlp/mlp_layout.ts";

/** A CPU backend that records the size of the buffer behind every writeParams argument. */
export class ParamWrites extends CpuBackend {
  /** Bytes of the ArrayBuffer behind each params table written, in order. */
  readonly bytes: number[] = [];
  /** Model counts of the populations created, in order. */
  readonly sizes: number[] = [];

  override createPopulation(spec: PopulationSpec): CpuPopulation {
    const pop = super.createPopulation(spec);
    this.sizes.push(spec.size);
    const write = pop.writeParams.bind(pop);
    pop.writeParams = (params) => {
      this.bytes.push(params.buffer.byteLength);
      write(params);
    };
    return pop;
  }
}
