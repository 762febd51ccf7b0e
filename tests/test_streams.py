"""C&D reuse, recycling residue and the transfer tier on instances solved by hand."""
import pandas as pd
import pytest

from wasteopt.siting import SitingProblem, Technology
from wasteopt.siting import solve_problem
from wasteopt.siting.formulation.arcs import arc_flow_bounds


def sites(rows):
    frame = pd.DataFrame(rows, columns=["site_id", "technology", "existing_capacity_tpd", "is_new"]).set_index("site_id")
    return frame.assign(existing_modules=0, lock="", expandable=False)


@pytest.mark.parametrize("reuse_cost, best", [(8.0, 30 * 8.0 + 70 * 36.0), (50.0, 100 * 36.0)])
def test_onsite_reuse_beats_haulage_only_when_cheaper(reuse_cost, best):
    """100 t/d of C&D; a yard 30 km away costs 0.7·30 + 15 = 36 CNY/t; up to 30 % can be reused on site.

    At 8 CNY/t reuse takes its 30 t/d cap: 30·8 + 70·36 = 2,760; at 50 CNY/t nothing is reused: 3,600.
    """
    problem = SitingProblem(
        demand=pd.DataFrame({"cd": [100.0]}, index=["A"]),
        sites=sites([("UA", "reuse", 0.0, False), ("Y", "yard", 0.0, False)]),
        technologies={"reuse": Technology("reuse", ("cd",), cost_per_t=reuse_cost),
                      "yard": Technology("yard", ("cd",), cost_per_t=15.0)},
        arcs=pd.DataFrame([("A", "UA", "cd", 0.0, 0.0, 30.0), ("A", "Y", "cd", 30.0, 21.0, None)],
                          columns=["origin", "destination", "stream", "km", "cost_per_t", "max_tpd"]),
        days_per_year=1.0)
    solution = solve_problem(problem, rel_gap=0)
    assert solution.objective == pytest.approx(best)


def test_recycling_residue_goes_on_to_a_yard():
    """A recycler (one 200 t/d module, 100 CNY/yr) turns 100 t/d into product with 20 % residue, which
    travels 10 km to a yard (1 CNY/t·km, gate 15). Recycling −5 CNY/t net; landfill costs 40 CNY/t.
    By hand: 100 + 100·(−5) + 20·(10 + 15) = 100 (recycle) < 4,000 (landfill)."""
    problem = SitingProblem(
        demand=pd.DataFrame({"cd": [100.0]}, index=["A"]),
        sites=sites([("R", "recycler", 0.0, True), ("Y", "yard", 0.0, False), ("L", "landfill", 0.0, False)]),
        technologies={
            "recycler": Technology("recycler", ("cd",), module_sizes_tpd=(200.0,), module_annual_cost=(100.0,),
                                   cost_per_t=-5.0, outputs=(("cd_residue", 0.2),)),
            "yard": Technology("yard", ("cd_residue",), cost_per_t=15.0),
            "landfill": Technology("landfill", ("cd",), cost_per_t=40.0)},
        arcs=pd.DataFrame([("A", "R", "cd", 0.0, 0.0), ("A", "L", "cd", 0.0, 0.0), ("R", "Y", "cd_residue", 10.0, 10.0)],
                          columns=["origin", "destination", "stream", "km", "cost_per_t"]),
        days_per_year=1.0)
    solution = solve_problem(problem, rel_gap=0)
    assert solution.objective == pytest.approx(100.0)
    residue = solution.flows.query("stream == 'cd_residue'")["tonnes_per_day"].sum()
    assert residue == pytest.approx(20.0)


def plant_and_station(site_cost: float = 0.0, fee: float = 0.0) -> dict:
    """A plant of one 500 t/d module and a transfer station of one 450 t/d module (100 CNY/yr)."""
    return {"plant": Technology("plant", ("msw",), module_sizes_tpd=(500.0,), module_annual_cost=(1e6,)),
            "transfer": Technology("transfer", ("msw",), module_sizes_tpd=(450.0,), module_annual_cost=(100.0,),
                                   site_annual_cost=site_cost, cost_per_t=fee, outputs=(("msw", 1.0),))}


@pytest.mark.parametrize("fee, best, via_transfer", [(20.0, 8900.0, True), (50.0, 10500.0, False)])
def test_transfer_station_when_the_trunk_haul_wins(fee, best, via_transfer):
    """Town A is 60 km from the plant, town B 10 km. Collection trucks cost 1.5 CNY/t·km; a station at A
    (site 500 + one 450 t/d module 100 CNY/yr) charges ``fee`` per t and its trailers 0.8 CNY/t·km.
    Fee 20: A via the station 100·(20 + 48) + 600 = 7,400, B direct 1,500 → 8,900.
    Fee 50: via would cost 10,400 > 9,000 direct, so both go direct: 9,000 + 1,500 = 10,500."""
    problem = SitingProblem(
        demand=pd.DataFrame({"msw": [100.0, 100.0]}, index=["A", "B"]),
        sites=sites([("P", "plant", 1000.0, False), ("T", "transfer", 0.0, True)]),
        technologies=plant_and_station(site_cost=500.0, fee=fee),
        arcs=pd.DataFrame([("A", "P", "msw", 60.0, 90.0), ("B", "P", "msw", 10.0, 15.0),
                           ("A", "T", "msw", 0.0, 0.0), ("T", "P", "msw", 60.0, 48.0)],
                          columns=["origin", "destination", "stream", "km", "cost_per_t"]),
        single_sourcing=("msw",), days_per_year=1.0)
    solution = solve_problem(problem, rel_gap=0)
    assert solution.objective == pytest.approx(best)
    assert bool(solution.sites.loc["T", "opened"]) is via_transfer


@pytest.mark.parametrize("demand_a, via_t_bound", [(100.0, 100.0), (600.0, 450.0)])
def test_an_arc_carries_no_more_than_its_origin_site_puts_out_or_its_destination_takes(demand_a, via_t_bound):
    """Towns A and B (900 t/d); a station T of at most one 450 t/d module, fed by A alone, feeds a new
    plant P of at most one 500 t/d module. The linking rows' big-M: B→P 500 (P's largest build, not
    B's 900); A→T and T→P A's demand, or T's largest build (450) if that is less, never the 1,000+ t/d
    of both towns."""
    problem = SitingProblem(
        demand=pd.DataFrame({"msw": [demand_a, 900.0]}, index=["A", "B"]),
        sites=sites([("P", "plant", 0.0, True), ("T", "transfer", 0.0, True)]),
        technologies=plant_and_station(),
        arcs=pd.DataFrame([("A", "T", "msw", 0.0, 0.0), ("B", "P", "msw", 10.0, 15.0), ("T", "P", "msw", 60.0, 48.0)],
                          columns=["origin", "destination", "stream", "km", "cost_per_t"]),
        days_per_year=1.0)
    arcs = problem.arcs
    from_node = arcs["origin"].isin(problem.demand.index).to_numpy()
    demand = problem.demand_by_node_stream().reindex(list(zip(arcs["origin"], arcs["stream"]))).to_numpy()
    assert arc_flow_bounds(problem, arcs, from_node, demand).tolist() == [via_t_bound, 500.0, via_t_bound]
