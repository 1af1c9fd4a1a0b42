/**
 * A realistic large config for the bench: `hosts` host blocks, one secret and
 * `count` docker_container-like resources, each with a host reference, an env
 * map holding a template string, a ports list and a labels map with quoted
 * keys. Returns the `.strat` source and the equivalent data as JSON text (what
 * the config means, refs written out as strings), so both parsers read the
 * same information.
 */
export function generate(count = 10_000, hosts = 50) {
  const strat = [];
  const data = { host: {}, secret: {}, resource: { docker_container: {} } };
  for (let h = 0; h < hosts; h++) {
    const name = `node-${h}`;
    const addr = `root@10.0.${h >> 8}.${h & 255}`;
    strat.push(`host "${name}" {\n  addr = "${addr}"\n  port = 22\n}\n`);
    data.host[name] = { addr, port: 22 };
  }
  strat.push('secret "pg" {\n  from_env = "PG_PASSWORD"\n}\n');
  data.secret.pg = { from_env: 'PG_PASSWORD' };
  for (let i = 0; i < count; i++) {
    const name = `app-${String(i).padStart(5, '0')}`;
    const host = `node-${i % hosts}`;
    const port = 8000 + (i % 1000);
    strat.push(
      `# ${name}: generated service ${i}
resource "docker_container" "${name}" {
  host = host.${host}.addr
  name = "${name}"
  image = "registry.example.com/team/${name}:1.${i % 10}.${i % 7}"
  restart = "unless-stopped"
  memory = "512m"
  cpus = 1.5
  privileged = false
  networks = ["stratum-edge", "backend"]
  ports = ["${port}:80", "${port + 1000}:443"]
  env = {
    NODE_ENV = "production"
    PORT = ${port}
    LOG_LEVEL = "info"
    DATABASE_URL = "postgresql://app:\${secret.pg.value}@\${host.${host}.addr}:5432/app"
    GREETING = "hello\\tworld\\n"
  }
  labels = {
    "traefik.enable" = "true"
    "traefik.http.routers.${name}.rule" = "Host(\`${name}.example.com\`)"
    "traefik.http.services.${name}.loadbalancer.server.port" = "80"
  }
  healthcheck = {
    test = ["CMD", "curl", "-f", "http://localhost/health"]
    interval = "10s"
    retries = 3
  }
}
`,
    );
    data.resource.docker_container[name] = {
      host: `host.${host}.addr`,
      name,
      image: `registry.example.com/team/${name}:1.${i % 10}.${i % 7}`,
      restart: 'unless-stopped',
      memory: '512m',
      cpus: 1.5,
      privileged: false,
      networks: ['stratum-edge', 'backend'],
      ports: [`${port}:80`, `${port + 1000}:443`],
      env: {
        NODE_ENV: 'production',
        PORT: port,
        LOG_LEVEL: 'info',
        DATABASE_URL: `postgresql://app:\${secret.pg.value}@\${host.${host}.addr}:5432/app`,
        GREETING: 'hello\tworld\n',
      },
      labels: {
        'traefik.enable': 'true',
        [`traefik.http.routers.${name}.rule`]: `Host(\`${name}.example.com\`)`,
        [`traefik.http.services.${name}.loadbalancer.server.port`]: '80',
      },
      healthcheck: {
        test: ['CMD', 'curl', '-f', 'http://localhost/health'],
        interval: '10s',
        retries: 3,
      },
    };
  }
  return { strat: strat.join('\n'), json: JSON.stringify(data, null, 2) };
}
