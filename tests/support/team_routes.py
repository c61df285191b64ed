"""A team's own blueprint, as the README's "Build your own API on it" adds one: for the tests of how
the skeleton's errors, and the loopback's catch-all, treat routes the probe does not own."""

from flask import Blueprint, abort, jsonify

bp = Blueprint("orders", __name__, url_prefix="/orders")
ORDERS = {"7": {"id": "7", "status": "shipped"}}


@bp.get("")
def list_orders():
    return jsonify(orders=list(ORDERS.values()))


@bp.get("/<order_id>")
def get_order(order_id: str):
    if order_id not in ORDERS:
        abort(404, f"No order {order_id}.")
    return jsonify(ORDERS[order_id])


@bp.put("/<order_id>")
def put_order(order_id: str):
    return jsonify(id=order_id, status="replaced")
