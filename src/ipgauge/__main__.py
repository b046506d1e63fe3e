from ipgauge.cli import main

main()
