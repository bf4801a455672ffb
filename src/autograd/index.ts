/** Autograd: grad / valueAndGrad (pruned reverse walk), noGrad scopes, gradcheck. */
export { grad, valueAndGrad, type Aux, type GradOptions } from './grad.js';
export { gradcheck, type GradcheckOptions, type GradcheckResult } from './gradcheck.js';
export { noGrad, isGradEnabled } from '../tensor/record.js';
