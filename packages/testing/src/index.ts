/**
 * What the tests and benchmarks of WeCom Auth share. Private: never published, resolved from these sources.
 */
export {
  type ChildGateway,
  type GatewayCliResult,
  gatewayCliArgs,
  gatewayCliSource,
  runGatewayCli,
  spawnGateway,
} from './child-gateway.js';
export {
  activeDemoUserIds,
  type CorpCallbackSecrets,
  demoGatewayEnv,
  groupGatewayEnv,
  setDemoAppSecret,
} from './demo-environment.js';
export { type ExampleNginx, findNginx, nginxForTests, startExampleNginx } from './example-nginx.js';
export { freePort } from './free-port.js';
export { type GatewayRoute, gatewayRoutes, routePaths } from './gateway-routes.js';
export {
  type GatewayUnderTest,
  type GatewayUnderTestOptions,
  type LogDestination,
  startGatewayUnderTest,
  startRedisGateway,
} from './gateway-under-test.js';
export { exchangeJson, type JsonAnswer, type JsonRequest, parseJsonObject } from './json-exchange.js';
export { eventually } from './poll.js';
export {
  flushDatabase,
  probeRedis,
  REDIS_HOST_PORT,
  redisAvailable,
  redisForTests,
  redisServerAvailable,
} from './redis.js';
export { type RedisAddress, redisAddressOf } from './redis-topology.js';
export {
  type RedisCluster,
  type RedisClusterNode,
  type RedisClusterOptions,
  startRedisCluster,
} from './redis-topology-cluster.js';
export {
  REDIS_TOPOLOGIES_START_COMMAND,
  REDIS_TOPOLOGY_ENV,
  type RedisTopologiesForTests,
  type RedisTopologyKind,
  redisTopologiesForTests,
  redisTopologyAvailable,
} from './redis-topology-env.js';
export {
  type RedisSentinelOptions,
  type RedisSentinelSet,
  startRedisSentinel,
} from './redis-topology-sentinel.js';
export { describeWithRedisTopology, type RedisTopologyFor } from './redis-topology-suite.js';
export { type SandboxAndDatabase, startSandboxAndDatabase } from './sandbox-and-database.js';
export { ScratchRedis, type ScratchRedisOptions, startScratchRedis } from './scratch-redis.js';
export { serviceAvailable } from './service-guard.js';
export { type Forward, SeverableLink } from './severable-link.js';
export {
  connectSuite,
  demoSuiteCorps,
  demoSuiteGatewayEnv,
  postInstruction,
  sealInstruction,
  uninstalledDemoSuite,
} from './suite-environment.js';
export {
  CALLBACK_AES_KEY,
  CALLBACK_TOKEN,
  callbackCrypto,
  callbackEnv,
  connectSandbox,
  postCallback,
  type SealedCallback,
  sealEvent,
} from './wecom-callbacks.js';
