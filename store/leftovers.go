package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/atlasgraph/atlasgraph/view"
)

// leftoversQuery counts, per release key, the nodes no complete release
// owns, and lists the Release nodes that are not complete and the live
// leases. It reads every node of the release labels once: it serves the
// operator's listing, not the API.
var leftoversQuery = func() string {
	var parts []string
	for _, label := range releaseLabels {
		parts = append(parts, fmt.Sprintf(`MATCH (n:%s) RETURN n.release AS key`, label))
	}
	return `CALL () { ` + strings.Join(parts, " UNION ALL ") + ` }
WITH key, count(*) AS nodes WHERE key IS NOT NULL
OPTIONAL MATCH (r:Release {version: key})
WITH key, nodes, r WHERE r IS NULL OR r.status <> $complete
RETURN key, nodes, r.status AS status
UNION
MATCH (r:Release) WHERE r.status <> $complete
RETURN r.version AS key, 0 AS nodes, r.status AS status`
}()

const liveLeasesQuery = `MATCH (l:ReleaseLease) WHERE l.holder IS NOT NULL AND l.expires > datetime()
RETURN l.version AS version, l.operation AS operation, l.host AS host, l.pidns AS pidns, l.pid AS pid`

// leftovers lists what interrupted (or running) operations left: release
// keys with nodes but no complete Release, and Release nodes that are not
// complete.
func (s *Store) leftovers(ctx context.Context) ([]view.ReleaseInfo, error) {
	recs, err := s.read(ctx, liveLeasesQuery, nil)
	if err != nil {
		return nil, fmt.Errorf("list leases: %w", err)
	}
	live := map[string]string{}
	for _, rec := range recs {
		m := rec.AsMap()
		if holderDead(m) {
			continue
		}
		v, _ := m["version"].(string)
		live[v], _ = m["operation"].(string)
	}
	recs, err = s.read(ctx, leftoversQuery, map[string]any{"complete": statusComplete})
	if err != nil {
		return nil, fmt.Errorf("list leftovers: %w", err)
	}
	byKey := map[string]int{}
	var out []view.ReleaseInfo
	for _, rec := range recs {
		m := rec.AsMap()
		key, _ := m["key"].(string)
		nodes, _ := m["nodes"].(int64)
		stored, _ := m["status"].(string)
		if i, ok := byKey[key]; ok {
			out[i].Nodes += int(nodes)
			continue
		}
		version, _, staged := strings.Cut(key, "#")
		info := view.ReleaseInfo{Version: version, Nodes: int(nodes)}
		if staged {
			info.Key = key
		}
		switch op, ok := live[version]; {
		case ok:
			info.Status, info.Operation = view.StatusInProgress, op
		case stored != "":
			info.Status = view.StatusIncomplete
		default:
			info.Status = view.StatusLeftover
		}
		byKey[key] = len(out)
		out = append(out, info)
	}
	return out, nil
}
