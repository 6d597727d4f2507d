// Compile-time check (tsc --noEmit, part of `pnpm test`): the generated router type has the same
// inputs and outputs as the API's own AppRouter.
import type { AppRouter as ApiRouter } from '@fivecolor/api';
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import type { RouterInputs, RouterOutputs } from '../src/router-types.js';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Each<A, B> = {
  [K in keyof A | keyof B]: K extends keyof A ? (K extends keyof B ? Equal<A[K], B[K]> : false) : false;
};

export const inputsMatch: Each<inferRouterInputs<ApiRouter>, RouterInputs> = {} as {
  [K in keyof RouterInputs]: true;
};
export const outputsMatch: Each<inferRouterOutputs<ApiRouter>, RouterOutputs> = {} as {
  [K in keyof RouterOutputs]: true;
};
