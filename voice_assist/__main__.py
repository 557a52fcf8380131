from voice_assist.cli import main

raise SystemExit(main())
