"""The network area's blueprints, registered together by create_app()."""

from portal.network.dealers import bp as dealers_bp
from portal.network.product_lines import bp as product_lines_bp
from portal.network.regions import bp as regions_bp
from portal.network.stores import bp as stores_bp

blueprints = (dealers_bp, stores_bp, regions_bp, product_lines_bp)
