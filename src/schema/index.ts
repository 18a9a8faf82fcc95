// The GraphQL schema, assembled by importing every type family into the one builder.
import { builder } from './builder.js';
import './enums.js';
import './inputs.js';
import './quote.js';
import './review.js';
import './message.js';
import './stats.js';
import './fleet.js';
import './connection.js';
import './queries.js';
import './mutations.js';
import './subscriptions.js';
import './webhooks.js';

export const schema = builder.toSchema({ sortSchema: false });
