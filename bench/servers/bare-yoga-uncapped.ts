// bare-yoga (bare-yoga.ts) without yoga's request-body cap: the stack's ceiling with no body cap at all.
process.env.BARE_YOGA_BODY_CAP = 'off';
await import('./bare-yoga.js');
