// The @neo4j/graphql peer of bench/peer: type definitions over atlasgraph's
// graph (README.md, "The graph"), served by @apollo/server on loopback.
// bench/peer/main.go starts it; by hand:
//
//	NEO4J_URI=bolt://127.0.0.1:7801 NEO4J_PASSWORD=... node server.mjs PORT
//
// Benchmark only: not part of the product, its tests or CI.
import { ApolloServer } from "@apollo/server";
import { startStandaloneServer } from "@apollo/server/standalone";
import { Neo4jGraphQL } from "@neo4j/graphql";
import neo4j from "neo4j-driver";

// Relationships join nodes of one release, so only the root fields filter on
// `release`. To-one links are lists here (@neo4j/graphql 7 has no to-one
// relationships); bench/peer compares a one-element list with its element.
// Technique.caseStudies is two hops (technique <- step <- case study), which
// @relationship cannot express, hence @cypher, as the library documents.
const typeDefs = /* GraphQL */ `
  type Tactic @node {
    id: ID!
    release: String!
    name: String!
    position: Int
    techniques: [Technique!]! @relationship(type: "ACHIEVES", direction: IN)
  }
  type Mitigates @relationshipProperties {
    description: String
  }
  type Technique @node {
    id: ID!
    release: String!
    name: String!
    description: String
    maturity: String
    platforms: [String!]
    tactics: [Tactic!]! @relationship(type: "ACHIEVES", direction: OUT)
    parent: [Technique!]! @relationship(type: "SPECIALIZES", direction: OUT)
    subtechniques: [Technique!]! @relationship(type: "SPECIALIZES", direction: IN)
    mitigations: [Mitigation!]! @relationship(type: "MITIGATES", direction: IN, properties: "Mitigates")
    caseStudies: [CaseStudy!]!
      @cypher(statement: "MATCH (this)<-[:EMPLOYS]-(:Step)<-[:HAS_STEP]-(cs:CaseStudy) RETURN DISTINCT cs", columnName: "cs")
  }
  type Mitigation @node {
    id: ID!
    release: String!
    name: String!
    techniques: [Technique!]! @relationship(type: "MITIGATES", direction: OUT, properties: "Mitigates")
  }
  type CaseStudy @node {
    id: ID!
    release: String!
    name: String!
    type: String
    actorText: String
    actors: [Actor!]! @relationship(type: "ATTRIBUTED_TO", direction: OUT)
    steps: [Step!]! @relationship(type: "HAS_STEP", direction: OUT)
  }
  type Step @node {
    id: ID!
    stepId: String!
    release: String!
    position: Int
    technique: [Technique!]! @relationship(type: "EMPLOYS", direction: OUT)
    tactic: [Tactic!]! @relationship(type: "IN_TACTIC", direction: OUT)
    leadsTo: [Step!]! @relationship(type: "LEADS_TO", direction: OUT)
  }
  type Actor @node {
    id: ID!
    release: String!
    name: String!
    aliases: [String!]
  }
`;

const port = Number(process.argv[2] || 4000);
const driver = neo4j.driver(
  process.env.NEO4J_URI || "bolt://127.0.0.1:7687",
  neo4j.auth.basic(process.env.NEO4J_USERNAME || "neo4j", process.env.NEO4J_PASSWORD || ""),
  { maxConnectionPoolSize: 64 },
);
const neoSchema = new Neo4jGraphQL({ typeDefs, driver });
const server = new ApolloServer({ schema: await neoSchema.getSchema() });
const { url } = await startStandaloneServer(server, {
  listen: { host: "127.0.0.1", port },
  context: async () => ({ sessionConfig: { database: process.env.NEO4J_DATABASE || "neo4j" } }),
});
console.log(`listening ${url}`);
