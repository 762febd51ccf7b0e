from wasteopt.cli import main

raise SystemExit(main())
