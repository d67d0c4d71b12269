from zigcc.cli import main

raise SystemExit(main())
