// Starts GraphiQL against this server's /graphql endpoint.
(function () {
  var fetcher = GraphiQL.createFetcher({ url: '/graphql' });
  var defaultQuery = [
    '# Ask the ATLAS knowledge graph. Ctrl-Enter runs the query;',
    '# the Docs panel lists every type and field.',
    '{',
    '  releases { version current counts { techniques caseStudies } }',
    '  technique(id: "AML.T0051") {',
    '    id name maturity',
    '    tactics { id name }',
    '    mitigations { mitigation { id name } }',
    '  }',
    '}',
    ''
  ].join('\n');
  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(React.createElement(GraphiQL, { fetcher: fetcher, defaultQuery: defaultQuery }));
})();
