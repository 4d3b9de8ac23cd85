"""Solve one weighted hitting-set instance with OR-Tools CP-SAT.

Reads the JSON instance bench/mitset writes ({"costs": [...], "rows": [[...]]},
integer costs), solves it and prints one JSON line: status, objective, best
bound, the chosen options and the solver's own wall time (model building
excluded, so the comparison favours CP-SAT).

    python cpsat.py INSTANCE.json [WORKERS] [TIME_LIMIT_SECONDS]
"""
import json
import sys
import time

from ortools.sat.python import cp_model


def main():
    path = sys.argv[1]
    workers = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    limit = float(sys.argv[3]) if len(sys.argv) > 3 else 120.0
    with open(path) as f:
        inst = json.load(f)
    costs = inst["costs"]
    t0 = time.perf_counter()
    m = cp_model.CpModel()
    x = [m.NewBoolVar(f"x{j}") for j in range(len(costs))]
    for row in inst["rows"]:
        m.AddBoolOr([x[j] for j in row])
    m.Minimize(sum(int(c) * x[j] for j, c in enumerate(costs)))
    build = time.perf_counter() - t0
    s = cp_model.CpSolver()
    s.parameters.num_workers = workers
    s.parameters.max_time_in_seconds = limit
    # Put every clause in the LP relaxation: without it, one CP-SAT worker
    # proves no bound on these instances within minutes.
    s.parameters.linearization_level = 2
    t1 = time.perf_counter()
    status = s.Solve(m)
    wall = time.perf_counter() - t1
    chosen = [j for j in range(len(costs)) if s.Value(x[j])] if status in (cp_model.OPTIMAL, cp_model.FEASIBLE) else []
    print(json.dumps({
        "status": s.StatusName(status),
        "objective": s.ObjectiveValue(),
        "bound": s.BestObjectiveBound(),
        "chosen": chosen,
        "solve_seconds": wall,
        "build_seconds": build,
    }))


if __name__ == "__main__":
    main()
