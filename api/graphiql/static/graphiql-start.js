/* Customer Twin's GraphiQL: everything is served by the twin itself (no CDN). The key the dashboard's sign-in
   keeps in sessionStorage, if any, is put in the Headers panel and in the subscription's connection_init; headers are
   never persisted. */
(function () {
  'use strict';

  const KEY_ITEM = 'dtc.apiKey'; // the dashboard's sign-in (sessionStorage only)
  const EXAMPLE = `# Customer Twin GraphQL API: the docs panel (book icon) describes every type and field.
# Ctrl-Enter runs the query. With API keys set, put yours in the Headers panel below:
#   {"Authorization": "Bearer <key>"}

{
  personas { code name customers }
  frictionToCompetitors(persona: "trend-seeker", limit: 5) {
    friction { code name }
    exposed switched rate lift
    competitors { competitor { code } count }
  }
}
`;

  let key = null;
  try {
    key = window.sessionStorage.getItem(KEY_ITEM);
  } catch (_) {
    key = null; // storage disabled: the Headers panel still works
  }
  const url = new URL('/graphql', window.location.href);
  const subscriptionUrl = new URL(url);
  subscriptionUrl.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  const fetcher = GraphiQL.createFetcher({
    url: url.toString(),
    subscriptionUrl: subscriptionUrl.toString(),
    wsConnectionParams: key ? { Authorization: `Bearer ${key}` } : {},
  });

  const root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(React.createElement(GraphiQL, {
    fetcher,
    defaultQuery: EXAMPLE,
    defaultHeaders: key ? JSON.stringify({ Authorization: `Bearer ${key}` }, null, 2) : undefined,
    defaultEditorToolsVisibility: key ? 'headers' : false,
    isHeadersEditorEnabled: true,
    shouldPersistHeaders: false,
    inputValueDeprecation: true,
  }));
}());
