// Which demo models this installation carries: the tiny trained transformers (the linux-x64 package, a checkout) or none (the universal package).
import { EnginePool } from '../backends';
import { findDemoModels, type DemoModels } from '../engine/demoModels';
import type { Ctx } from './ctx';

/** The tiny trained transformers in the package (or, with no extension path, the checkout); null where only the n-gram pair is available. */
export function packagedTinyModels(ctx: Ctx): DemoModels | null {
  const models = ctx.ext.extensionPath ? findDemoModels(ctx.ext.extensionPath, false) : findDemoModels();
  return models?.trained ? models : null;
}

/** One engine pool for the demo's models, shared by Try the Demo and Evaluate on Prompt Set (disposed with the extension). */
export function demoEngines(ctx: Ctx, models: DemoModels): EnginePool {
  ctx.demoEngines ??= new EnginePool([models.sft, models.direct, models.indirect]);
  return ctx.demoEngines;
}
