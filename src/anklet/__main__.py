from anklet.cli import main

raise SystemExit(main())
