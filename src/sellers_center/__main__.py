from sellers_center.cli import main

main()
