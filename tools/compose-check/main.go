// compose-check loads a docker-compose file with compose-go, the library Docker Compose itself
// uses, so a test can validate the file where no Docker engine runs: interpolation (required
// variables such as the secrets), the compose schema, and the consistency rules compose applies
// before it creates anything.
//
//	compose-check [--scale SERVICE=N]... FILE...
//
// Variables come from this process's environment only (no .env file is read), so a caller
// decides which are set. --scale has `docker compose up --scale` semantics: the service runs N
// replicas, which compose refuses with a fixed container_name (compose-go's own rule, applied by
// loading the scale as an override file), and which cannot all bind one fixed host port (compose
// would fail at start with "port is already allocated"; checked here).
//
// Prints one JSON document: {"ok":true,"services":{...}} or {"ok":false,"error":"..."}; exit 0
// when ok, 1 when the file is refused, 2 on a usage error.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
)

type port struct {
	Target    uint32 `json:"target"`
	Published string `json:"published,omitempty"`
	HostIP    string `json:"hostIp,omitempty"`
}

type service struct {
	Scale         int      `json:"scale"`
	ContainerName string   `json:"containerName,omitempty"`
	Ports         []port   `json:"ports"`
	Command       []string `json:"command,omitempty"`
	Healthcheck   []string `json:"healthcheck,omitempty"`
	Environment   []string `json:"environment"`
}

type result struct {
	OK       bool               `json:"ok"`
	Error    string             `json:"error,omitempty"`
	Services map[string]service `json:"services,omitempty"`
}

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	scales := map[string]int{}
	var files []string
	for i := 0; i < len(args); i++ {
		if args[i] == "--scale" && i+1 < len(args) {
			name, n, ok := strings.Cut(args[i+1], "=")
			count, err := strconv.Atoi(n)
			if !ok || err != nil || count < 0 {
				fmt.Fprintf(os.Stderr, "compose-check: --scale wants SERVICE=N, got %q\n", args[i+1])
				return 2
			}
			scales[name] = count
			i++
			continue
		}
		files = append(files, args[i])
	}
	if len(files) == 0 {
		fmt.Fprintln(os.Stderr, "usage: compose-check [--scale SERVICE=N]... FILE...")
		return 2
	}
	project, err := load(files, scales)
	if err == nil {
		err = checkScaledPorts(project)
	}
	if err != nil {
		return emit(result{OK: false, Error: err.Error()}, 1)
	}
	return emit(result{OK: true, Services: summarise(project)}, 0)
}

func load(files []string, scales map[string]int) (*types.Project, error) {
	configs := append([]string{}, files...)
	if len(scales) > 0 {
		// The scale as an override file: compose-go then applies its own rules to it (a fixed
		// container_name with more than one replica is refused).
		dir, err := os.MkdirTemp("", "compose-check-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(dir)
		var b strings.Builder
		b.WriteString("services:\n")
		for name, n := range scales {
			fmt.Fprintf(&b, "  %s:\n    scale: %d\n", name, n)
		}
		override := filepath.Join(dir, "scale.override.yml")
		if err := os.WriteFile(override, []byte(b.String()), 0o600); err != nil {
			return nil, err
		}
		configs = append(configs, override)
	}
	wd, err := filepath.Abs(filepath.Dir(files[0]))
	if err != nil {
		return nil, err
	}
	opts, err := cli.NewProjectOptions(configs,
		cli.WithWorkingDirectory(wd),
		cli.WithOsEnv,
		cli.WithConsistency(true),
		cli.WithName("pdm"),
	)
	if err != nil {
		return nil, err
	}
	return opts.LoadProject(context.Background())
}

// A host port bound by a fixed number can be bound by one container only.
func checkScaledPorts(p *types.Project) error {
	for _, name := range sortedNames(p) {
		s := p.Services[name]
		if s.GetScale() <= 1 {
			continue
		}
		for _, pt := range s.Ports {
			if pt.Published != "" && !strings.Contains(pt.Published, "-") {
				return fmt.Errorf("services.%s: %d replicas cannot all publish host port %s (container port %d): docker compose up would fail with \"port is already allocated\"; publish no host port, or a range", name, s.GetScale(), pt.Published, pt.Target)
			}
		}
	}
	return nil
}

func summarise(p *types.Project) map[string]service {
	out := map[string]service{}
	for _, name := range sortedNames(p) {
		s := p.Services[name]
		sv := service{Scale: s.GetScale(), ContainerName: s.ContainerName, Ports: []port{}, Command: s.Command, Environment: []string{}}
		for _, pt := range s.Ports {
			sv.Ports = append(sv.Ports, port{Target: pt.Target, Published: pt.Published, HostIP: pt.HostIP})
		}
		if s.HealthCheck != nil {
			sv.Healthcheck = s.HealthCheck.Test
		}
		// Names only: the values are secrets.
		for k := range s.Environment {
			sv.Environment = append(sv.Environment, k)
		}
		sort.Strings(sv.Environment)
		out[name] = sv
	}
	return out
}

func sortedNames(p *types.Project) []string {
	names := make([]string, 0, len(p.Services))
	for name := range p.Services {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

func emit(r result, code int) int {
	enc := json.NewEncoder(os.Stdout)
	if err := enc.Encode(r); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	return code
}
