"""A local XYZ tile server for tests (no internet): every tile a PNG of one colour with its z/x/y written on it."""
from __future__ import annotations

import contextlib
import http.server
import io
import threading


@contextlib.contextmanager
def tile_server(colour: tuple[int, int, int] = (214, 232, 246), status: int = 200):
    """Serve tiles on 127.0.0.1 (a free port): yields (URL template, paths asked). With ``status`` other than 200
    every request is answered with that status and no image."""
    from PIL import Image, ImageDraw

    asked = []

    class Tiles(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            asked.append(self.path)
            if status != 200:
                self.send_error(status)
                return
            image = Image.new("RGB", (256, 256), colour)
            ImageDraw.Draw(image).text((8, 8), self.path, fill=(90, 90, 90))
            data = io.BytesIO()
            image.save(data, "PNG")
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Access-Control-Allow-Origin", "*")  # deck.gl loads tiles as WebGL textures
            self.end_headers()
            self.wfile.write(data.getvalue())

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Tiles)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/{{z}}/{{x}}/{{y}}.png", asked
    finally:
        server.shutdown()
        server.server_close()
