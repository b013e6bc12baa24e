"""invoice: total up line items given as QTYxPRICE[:description] and print a table."""
from decimal import Decimal

import click
from tabulate import tabulate


def parse_item(text):
    spec, _, desc = text.partition(":")
    qty, _, price = spec.partition("x")
    return int(qty), Decimal(price), desc or "item"


@click.command()
@click.option("--tax", default="0", help="Tax rate in percent.")
@click.option("--total-only", is_flag=True, help="Print only the grand total.")
@click.argument("items", nargs=-1, required=True)
def main(tax, total_only, items):
    rows, subtotal = [], Decimal("0")
    for qty, price, desc in map(parse_item, items):
        line = qty * price
        subtotal += line
        rows.append([desc, qty, "%.2f" % price, "%.2f" % line])
    total = (subtotal * (1 + Decimal(tax) / 100)).quantize(Decimal("0.01"))
    if total_only:
        click.echo(total)
        return
    rows.append(["total (tax %s%%)" % tax, "", "", total])
    click.echo(tabulate(rows, headers=["item", "qty", "price", "amount"], tablefmt="github", disable_numparse=True))


if __name__ == "__main__":
    main()
