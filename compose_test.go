package atlasgraph_test

import (
	"bufio"
	"context"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	composeloader "github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
)

// The machines that run these tests have no Docker engine, so docker
// compose itself never runs here. These tests load docker-compose.yml with
// the Compose Specification's reference loader (the one docker compose
// uses), which validates it against the schema and interpolates it, and
// then check what the file promises.

const composePassword = "compose-test-Secret-4711"

// passwordFlag matches a password passed as an argument (cypher-shell -p,
// --password), which `ps` in the container would show even when the compose
// file only names a variable.
var passwordFlag = regexp.MustCompile(`(^|\s)(-p|--password|-P)(\s|=|$)`)

func loadCompose(t *testing.T, env map[string]string) (*types.Project, error) {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return composeloader.LoadWithContext(context.Background(), types.ConfigDetails{
		WorkingDir:  wd,
		ConfigFiles: []types.ConfigFile{{Filename: "docker-compose.yml"}},
		Environment: env,
	}, func(o *composeloader.Options) { o.SetProjectName("atlasgraph", true) })
}

func TestCompose(t *testing.T) {
	if _, err := loadCompose(t, map[string]string{}); err == nil || !strings.Contains(err.Error(), "NEO4J_PASSWORD") {
		t.Errorf("without NEO4J_PASSWORD: %v, want an error naming it", err)
	}

	p, err := loadCompose(t, map[string]string{"NEO4J_PASSWORD": composePassword})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"neo4j", "loader", "server"} {
		if _, ok := p.Services[name]; !ok {
			t.Fatalf("no service %q", name)
		}
	}

	t.Run("one image built once", func(t *testing.T) {
		var built []string
		for name, s := range p.Services {
			if s.Build != nil {
				built = append(built, name)
			}
		}
		if len(built) != 1 {
			t.Fatalf("services with a build section: %v, want exactly one", built)
		}
		b := p.Services[built[0]]
		if b.Image == "" {
			t.Fatalf("the built service %s names no image, so others cannot share it", built[0])
		}
		users := 0
		for name, s := range p.Services {
			if s.Image == b.Image {
				users++
				if name != built[0] && s.PullPolicy != types.PullPolicyNever {
					t.Errorf("%s uses the built image %s with pull_policy %q, want never (it is local)", name, s.Image, s.PullPolicy)
				}
			}
		}
		if users < 2 {
			t.Errorf("only %d service uses the image %s; loader and server should share it", users, b.Image)
		}
	})

	t.Run("ports on loopback, configurable", func(t *testing.T) {
		want := map[string]map[uint32]string{"neo4j": {7687: "7687", 7474: "7474"}, "server": {8080: "8080"}}
		checkPorts(t, p, want)
		q, err := loadCompose(t, map[string]string{"NEO4J_PASSWORD": composePassword,
			"ATLASGRAPH_NEO4J_PORT": "17687", "ATLASGRAPH_NEO4J_HTTP_PORT": "17474", "ATLASGRAPH_PORT": "18080"})
		if err != nil {
			t.Fatal(err)
		}
		checkPorts(t, q, map[string]map[uint32]string{"neo4j": {7687: "17687", 7474: "17474"}, "server": {8080: "18080"}})
		if v := q.Services["neo4j"].Environment["NEO4J_server_bolt_advertised__address"]; v == nil || *v != "127.0.0.1:17687" {
			t.Errorf("Neo4j Browser is not told the published Bolt port: %v", v)
		}
	})

	t.Run("password only in the environment", func(t *testing.T) {
		for name, s := range p.Services {
			var argv []string
			argv = append(argv, s.Command...)
			argv = append(argv, s.Entrypoint...)
			if s.HealthCheck != nil {
				argv = append(argv, s.HealthCheck.Test...)
			}
			for _, a := range argv {
				if strings.Contains(a, composePassword) || passwordFlag.MatchString(a) {
					t.Errorf("%s puts the password on a command line: %q", name, a)
				}
			}
			for k, v := range s.Labels {
				if strings.Contains(v, composePassword) {
					t.Errorf("%s has the password in label %s", name, k)
				}
			}
		}
		for _, name := range []string{"loader", "server"} {
			if v := p.Services[name].Environment["NEO4J_PASSWORD"]; v == nil || *v != composePassword {
				t.Errorf("%s does not get NEO4J_PASSWORD from the environment", name)
			}
		}
	})

	t.Run("health checks with a start period", func(t *testing.T) {
		for _, name := range []string{"neo4j", "server"} {
			h := p.Services[name].HealthCheck
			if h == nil || h.Disable || len(h.Test) == 0 {
				t.Errorf("%s has no health check", name)
				continue
			}
			if h.StartPeriod == nil || *h.StartPeriod <= 0 || h.Interval == nil || h.Timeout == nil || h.Retries == nil {
				t.Errorf("%s health check lacks start_period, interval, timeout or retries: %+v", name, h)
			}
		}
	})

	t.Run("start order", func(t *testing.T) {
		want := map[string]map[string]string{
			"loader": {"neo4j": types.ServiceConditionHealthy},
			"server": {"neo4j": types.ServiceConditionHealthy, "loader": types.ServiceConditionCompletedSuccessfully},
		}
		for svc, deps := range want {
			for dep, cond := range deps {
				d, ok := p.Services[svc].DependsOn[dep]
				if !ok || d.Condition != cond {
					t.Errorf("%s depends on %s with %+v, want condition %s", svc, dep, d, cond)
				}
			}
		}
	})

	t.Run("offline by default", func(t *testing.T) {
		cmd := p.Services["loader"].Command
		if !slices.Equal(cmd, types.ShellCommand{"load", "--release", "embedded"}) {
			t.Errorf("loader command %q: by default it should load the embedded release (no network)", cmd)
		}
		q, err := loadCompose(t, map[string]string{"NEO4J_PASSWORD": composePassword, "ATLAS_RELEASE": "2026.09"})
		if err != nil {
			t.Fatal(err)
		}
		if cmd := q.Services["loader"].Command; !slices.Contains(cmd, "2026.09") {
			t.Errorf("ATLAS_RELEASE does not reach the loader: %q", cmd)
		}
	})
}

func checkPorts(t *testing.T, p *types.Project, want map[string]map[uint32]string) {
	t.Helper()
	for name, s := range p.Services {
		got := map[uint32]string{}
		for _, port := range s.Ports {
			if port.HostIP != "127.0.0.1" {
				t.Errorf("%s publishes container port %d on %q, not on 127.0.0.1 only", name, port.Target, port.HostIP)
			}
			got[port.Target] = port.Published
		}
		if w := want[name]; len(got) != len(w) {
			t.Errorf("%s publishes %v, want %v", name, got, w)
		}
		for target, published := range want[name] {
			if got[target] != published {
				t.Errorf("%s publishes %d on host port %q, want %q", name, target, got[target], published)
			}
		}
	}
}

// TestDockerfile checks the image recipe: a supported runtime base, the
// build stage on go.mod's Go, a non-root user, no secret in build arguments
// or environment, and a build context without the local Neo4j, build output,
// git history or .env files.
func TestDockerfile(t *testing.T) {
	f, err := os.Open("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var froms []string
	var user, entrypoint string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		instr, rest, _ := strings.Cut(line, " ")
		switch strings.ToUpper(instr) {
		case "FROM":
			froms = append(froms, strings.Fields(rest)[0])
		case "USER":
			user = rest
		case "ENTRYPOINT":
			entrypoint = rest
		case "ARG", "ENV":
			if strings.Contains(strings.ToUpper(rest), "PASSWORD") {
				t.Errorf("Dockerfile bakes a password setting into the image: %s", line)
			}
		}
	}
	if len(froms) < 2 {
		t.Fatalf("want a build stage and a runtime stage, FROM lines: %v", froms)
	}
	runtime := froms[len(froms)-1]
	m := regexp.MustCompile(`^alpine:3\.(\d+)$`).FindStringSubmatch(runtime)
	if m == nil && !strings.HasPrefix(runtime, "gcr.io/distroless/") {
		t.Errorf("runtime base %s: want a supported alpine:3.N or distroless", runtime)
	} else if m != nil {
		if minor, _ := strconv.Atoi(m[1]); minor < 22 {
			t.Errorf("runtime base %s is past Alpine's support (3.22 is the oldest supported in 2026)", runtime)
		}
	}
	gomod, err := os.ReadFile("go.mod")
	if err != nil {
		t.Fatal(err)
	}
	goVersion := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindSubmatch(gomod)
	if goVersion == nil || !strings.HasPrefix(froms[0], "golang:"+string(goVersion[1])) {
		t.Errorf("build stage %s does not use go.mod's Go %s", froms[0], goVersion[1])
	}
	if user == "" || user == "root" || user == "0" {
		t.Errorf("the image runs as %q; want a non-root user", user)
	}
	if !strings.Contains(entrypoint, "atlasgraph") {
		t.Errorf("ENTRYPOINT %s does not run atlasgraph", entrypoint)
	}

	ignore, err := os.ReadFile(".dockerignore")
	if err != nil {
		t.Fatalf("no .dockerignore: %v", err)
	}
	lines := map[string]bool{}
	for _, l := range strings.Split(string(ignore), "\n") {
		lines[strings.TrimSuffix(strings.TrimSpace(l), "/")] = true
	}
	for _, must := range []string{".neo4j", "bin", ".git", ".env"} {
		if !lines[must] {
			t.Errorf(".dockerignore does not exclude %s", must)
		}
	}
	for l := range lines {
		if strings.HasPrefix(l, "!") {
			t.Errorf(".dockerignore re-includes %s; keep it a plain exclusion list", l)
		}
	}
}
