"""`python -m socsim`: the same as the `socsim` command."""

from socsim.cli import main

raise SystemExit(main())
