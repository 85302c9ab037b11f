from mvidarr.cli import main

main()
