"""Benchmark support: the bulk seeder behind `manage.py bench_seed` and the bench-only ceiling views.

Not a Django app (no models): a tool that sits above every domain app, like the dashboard. The
harness that drives a run lives in bench/ at the repository root (see docs/performance.md). The
ceiling views are mounted only when the GONGZHI_BENCH setting is on, never in production."""
