// Package machine says what the benchmarks need to know of the machine they
// ran on, to report beside their figures: the load is part of every
// measurement on a shared machine.
package machine

import (
	"os"
	"strings"
)

// LoadAvg is the 1, 5 and 15 minute load averages, as /proc/loadavg gives
// them ("2.31 1.80 1.02"), or "unknown" where there is no such file.
func LoadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) >= 3 {
		return strings.Join(f[:3], " ")
	}
	return "unknown"
}
