// Shared settings for property tests.

/**
 * Limits stack capture inside a describe block. Mocha sets an unlimited stack
 * depth, which makes capturing the stack of each of thousands of errors
 * (through tsx's source maps) most of a property test's run time; the
 * properties never look at stacks. Call at the top of the describe.
 */
export function shallowStacksDuringBlock(limit = 0): void {
  let saved: number;
  before(() => {
    saved = Error.stackTraceLimit;
    Error.stackTraceLimit = limit;
  });
  after(() => {
    Error.stackTraceLimit = saved;
  });
}
