"""``orders``: place orders as the marketplace's shop would (one, or many plausible ones), and
look into them."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING, Annotated

import typer

from sellers_center.cli.command import console, fail, read, run, say, write

# In the commands' signatures, which typer reads when it builds the group.
from sellers_center.orders.order import FulfillmentType, OrderStatus

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from sellers_center.cli.command import Services
    from sellers_center.orders.order import Order

orders_app = typer.Typer(
    help="Place orders as the marketplace's shop would, and look into them.", no_args_is_help=True
)

SellerOption = Annotated[str, typer.Option("--seller", help="Name of the seller.")]
CountryOption = Annotated[str, typer.Option(help="The shop's country (ISO 3166-1 alpha-2).")]
FulfillmentOption = Annotated[
    FulfillmentType,
    typer.Option(
        "--fulfillment",
        help="dropshipping takes the seller's stock, fulfillment_by_marketplace the "
        "marketplace warehouse's (quantity_fbm).",
    ),
]
SeedOption = Annotated[
    int | None, typer.Option(help="Make the customer data repeatable (the same seed, the same).")
]


def parse_item(text: str) -> tuple[str, int]:
    """``SKU`` or ``SKU:QTY``; a SKU may itself hold a colon when QTY is given."""
    sku, separator, count = text.rpartition(":")
    if not separator or not count.isdigit():
        return text, 1
    if not sku or int(count) < 1:
        fail(f"--item {text!r}: give SKU or SKU:QTY with QTY 1 or more")
    return sku, int(count)


def money(order: Order, amount: int) -> str:
    from sellers_center.orders.documents import format_money
    from sellers_center.products.rules.currency import minor_unit

    return format_money(amount, minor_unit(order.currency), order.currency)


@orders_app.command("place")
def orders_place(
    seller: SellerOption,
    item: Annotated[list[str], typer.Option(help="SKU or SKU:QTY (units); repeat.")],
    country: CountryOption = "DE",
    fulfillment: FulfillmentOption = FulfillmentType.DROPSHIPPING,
    seed: SeedOption = None,
) -> None:
    """Place an order as the shop would; its number is printed alone on the last line.

    Each unit is priced at the variant's price for the country, with the country's VAT, and
    reserved from stock. Refused, with every reason, when a SKU is unknown, not active, not
    sold or priced in the country, or short of stock."""
    from sellers_center.accounts import service as accounts
    from sellers_center.orders import service as orders
    from sellers_center.orders.customer import plausible_customer

    units: dict[str, int] = {}
    for text in item:
        sku, count = parse_item(text)
        units[sku] = units.get(sku, 0) + count
    code = country.upper()

    async def work(session: AsyncSession, runtime: Services) -> Order:
        seller_id = await accounts.seller_id_by_name(session, seller)
        catalog = await runtime.catalog.get(session)
        customer = plausible_customer(code, random.Random(seed))
        request = orders.OrderRequest(seller_id, units, code, fulfillment, customer)
        return await orders.place_order(session, catalog, request, runtime.clock.now())

    order = write(work)
    say(
        f"Placed an order of {len(order.items)} items for {seller} in {order.shop_country}: "
        f"{money(order, order.cost_with_tax)}, item ids "
        f"{', '.join(str(line.id) for line in order.items)}."
    )
    print(order.order_number)


@orders_app.command("simulate")
def orders_simulate(
    seller: SellerOption,
    count: Annotated[int, typer.Option(min=1, max=100_000, help="Orders to place.")],
    country: Annotated[
        str | None, typer.Option(help="Only this country; default: any the variants sell in.")
    ] = None,
    fulfillment: FulfillmentOption = FulfillmentType.DROPSHIPPING,
    seed: SeedOption = None,
) -> None:
    """Place COUNT plausible orders over the seller's active variants in stock.

    For demos and load tests: each order is its own transaction, and the command stops early
    when nothing is left to order. Placed order numbers are printed one per line."""
    from sellers_center.accounts import service as accounts
    from sellers_center.errors import InvalidInputError
    from sellers_center.orders import service as orders

    generator = random.Random(seed)
    code = country.upper() if country else None

    async def work(runtime: Services) -> list[str]:
        async with runtime.unit.read() as session:
            seller_id = await accounts.seller_id_by_name(session, seller)
            catalog = await runtime.catalog.get(session)
            shelf = await orders.shelf(session, seller_id, fulfillment)
        placed: list[str] = []
        # Each refusal empties a SKU on the shelf, so the attempts are bounded.
        for _ in range(count + len(shelf.variants)):
            request = orders.random_request(
                catalog, shelf, seller_id, generator, country=code, fulfillment=fulfillment
            )
            if request is None or len(placed) == count:
                break
            try:
                async with runtime.unit.write() as session:
                    order = await orders.place_order(session, catalog, request, runtime.clock.now())
            except InvalidInputError:  # sold meanwhile: those SKUs are off the shelf
                shelf.take({sku: shelf.left[sku] for sku in request.units})
                continue
            shelf.take(dict(request.units))
            placed.append(order.order_number)
        return placed

    placed = run(work)
    for number in placed:
        print(number)
    short = "" if len(placed) == count else ": nothing else in stock could be ordered"
    say(f"Placed {len(placed)} of {count} orders for {seller}{short}.")


@orders_app.command("list")
def orders_list(
    seller: SellerOption,
    status: Annotated[OrderStatus | None, typer.Option(help="Only orders in this status.")] = None,
    page: Annotated[int, typer.Option(min=1, help="Page of the listing, oldest first.")] = 1,
    per_page: Annotated[int, typer.Option(min=1, max=100, help="Orders per page.")] = 50,
) -> None:
    """List a seller's orders, oldest first: number, time, status, shop, items, total."""
    from rich.table import Table

    from sellers_center.accounts import service as accounts
    from sellers_center.orders import service as orders

    async def work(session: AsyncSession, _: Services) -> orders.OrderPage:
        seller_id = await accounts.seller_id_by_name(session, seller)
        condition = orders.OrderFilter(status=status)
        return await orders.list_orders(
            session, seller_id, condition, page=page, per_page=per_page, cursor=None
        )

    listing = read(work)
    table = Table("order number", "placed", "status", "shop", "items", "total")
    for order in listing.orders:
        placed = order.created_at.isoformat(timespec="seconds")
        total = money(order, order.cost_with_tax)
        row = (order.order_number, placed, order.status, order.shop_country, len(order.items))
        table.add_row(*(str(cell) for cell in row), total)
    console().print(table)
    say(f"{listing.total} orders in all; page {listing.page} of {-(-listing.total // per_page)}.")


@orders_app.command("show")
def orders_show(order_number: str) -> None:
    """Show one order (of any seller): customer, addresses, and every item."""
    from rich.table import Table
    from rich.text import Text

    from sellers_center.accounts import service as accounts
    from sellers_center.orders import service as orders

    async def work(session: AsyncSession, _: Services) -> tuple[Order, str]:
        order = await orders.find_order(session, order_number, None)
        names = await accounts.seller_names(session, [order.seller_id])
        return order, names.get(order.seller_id, "")

    order, seller = read(work)
    customer = order.customer
    shipping = customer.shipping
    for label, value in (
        ("order", order.order_number),
        ("seller", seller),
        ("status", order.status),
        ("placed", order.created_at.isoformat(timespec="seconds")),
        ("shop", order.shop_country),
        ("fulfillment", order.fulfillment_type),
        ("customer", f"{customer.key} {customer.email} {customer.phone}"),
        ("ship to", f"{shipping.first_name} {shipping.last_name}, {shipping.street}, "),
        ("", f"{shipping.zip_code} {shipping.city}, {shipping.country_code}"),
        (
            "total",
            f"{money(order, order.cost_with_tax)} (net {money(order, order.cost_without_tax)})",
        ),
    ):
        say(f"{label:<12}{value}")
    table = Table("item", "sku", "status", "price", "vat %", "carrier", "tracking", "return")
    for line in order.items:
        cells = (line.sku, line.status, money(order, line.price_with_tax), str(line.vat))
        keys = (line.carrier_key, line.shipment_tracking_key, line.return_tracking_key)
        table.add_row(str(line.id), *(Text(str(c)) for c in cells), *(Text(k or "") for k in keys))
    console().print(table)
