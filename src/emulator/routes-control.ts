import { HttpFailure, readJson } from '../http/index.js';
import { checkFaultPlan } from './faults.js';
import type { Route } from './route.js';
import type { FaultPlan } from './types.js';

/** The emulator's own endpoints: no API key, no faults, not counted in the stats. */
export const controlRoutes: Route[] = [
  {
    method: 'GET',
    template: '/__emulator/stats',
    api: false,
    flavor: 'v1',
    handle: (ctx) => ({ status: 200, body: ctx.state.stats.snapshot() }),
  },
  {
    method: 'GET',
    template: '/__emulator/faults',
    api: false,
    flavor: 'v1',
    handle: (ctx) => ({ status: 200, body: ctx.state.faults.current }),
  },
  {
    method: 'POST',
    template: '/__emulator/faults',
    api: false,
    flavor: 'v1',
    handle: async (ctx) => {
      const plan = await readJson(ctx.req);
      const problem = checkFaultPlan(plan);
      if (problem !== undefined) throw new HttpFailure(400, 'parameter_invalid', problem);
      ctx.state.faults.set(plan as FaultPlan);
      return { status: 200, body: ctx.state.faults.current };
    },
  },
  {
    method: 'GET',
    template: '/__emulator/holds',
    api: false,
    flavor: 'v1',
    handle: (ctx) => ({ status: 200, body: { holds: ctx.state.holds.list() } }),
  },
  {
    method: 'POST',
    template: '/__emulator/holds',
    api: false,
    flavor: 'v1',
    handle: async (ctx) => ({ status: 201, body: ctx.state.holds.add(await readJson(ctx.req)) }),
  },
  {
    method: 'POST',
    template: '/__emulator/holds/release',
    api: false,
    flavor: 'v1',
    handle: async (ctx) => ({ status: 200, body: ctx.state.holds.release(await readJson(ctx.req)) }),
  },
  {
    method: 'POST',
    template: '/__emulator/reset',
    api: false,
    flavor: 'v1',
    handle: (ctx) => {
      ctx.state.stats.reset();
      return { status: 200, body: ctx.state.stats.snapshot() };
    },
  },
];
