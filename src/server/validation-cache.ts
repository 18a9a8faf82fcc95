// graphql's validation verdict, cached per parsed document (yoga's parse cache hands back the same document object
// for the same text). Ours rather than yoga's: yoga's cache runs its hooks after every plugin of ours and so stored
// the cost plugin's verdict, which depends on the request's variables, for every later request of that document.
// Placed before the cost plugin, this stores graphql's verdict alone.
import type { DocumentNode, GraphQLSchema } from 'graphql';
import type { Plugin } from 'graphql-yoga';

export function validationCachePlugin(): Plugin {
  const verdicts = new WeakMap<GraphQLSchema, WeakMap<DocumentNode, readonly Error[]>>();
  return {
    onValidate({ params: { schema, documentAST }, setResult }) {
      let bySchema = verdicts.get(schema);
      if (!bySchema) {
        bySchema = new WeakMap();
        verdicts.set(schema, bySchema);
      }
      const cached = bySchema.get(documentAST);
      if (cached) {
        setResult(cached);
        return;
      }
      return ({ result }) => {
        bySchema.set(documentAST, result);
      };
    },
  };
}
