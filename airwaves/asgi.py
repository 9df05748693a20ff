import os
import warnings

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "airwaves.settings")

# whitenoise serves static files through a synchronous file iterator; Django's ASGI
# handler warns about it on every file. The files are small and cached; the warning
# is noise in the server log.
warnings.filterwarnings(
    "ignore", message="StreamingHttpResponse must consume synchronous iterators"
)

application = get_asgi_application()
