"""``python -m sellers_center_client``: the seller's commands (``push``, ``results``,
``batches``)."""

from sellers_center_client.push import main

main()
