export { type CompiledPlan, compilePlan, NO_RANK } from './compile';
export { type Plan, type PlanInput, PlanSchema } from './schema';
export { checkPlan, type PlanCheck, parsePlan } from './validate';
