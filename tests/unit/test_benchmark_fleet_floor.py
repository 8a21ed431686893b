"""benchmarks/parallel_drills.py: the floor of a fleet drill's wall time, by its three measured bounds."""

from benchmarks.parallel_drills import floor


def test_the_rate_limit_binds_when_the_fleet_sends_more_than_a_drill_lasts():
    least, bound, terms = floor(one_drill_wall=113.0, requests=11400, cpu_seconds=600.0, rate_limit=30.0, cores=2)

    assert (least, bound) == (380.0, "requests / api_rate_limit")
    assert terms == {"one drill's wall": 113.0, "requests / api_rate_limit": 380.0, "controller CPU / cores": 300.0}


def test_one_drill_binds_a_small_fleet_and_the_cpu_a_heavy_one():
    assert floor(113.0, 300, 40.0, 30.0, 2)[:2] == (113.0, "one drill's wall")
    assert floor(113.0, 3000, 900.0, 30.0, 2)[:2] == (450.0, "controller CPU / cores")
