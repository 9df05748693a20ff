#!/bin/sh
# Regenerates the demo shows' audio (spoken by espeak-ng, encoded by ffmpeg) and artwork.
# The results are committed; run this only to change them.
#   apt-get install espeak-ng ffmpeg && sh scripts/make-demo-assets.sh
set -eu
cd "$(dirname "$0")/../airwaves/static/airwaves/demo"

speak() {  # speak NAME "text"
    espeak-ng -s 150 -v en-us -w "/tmp/airwaves-demo-$1.wav" "$2"
    ffmpeg -loglevel error -y -i "/tmp/airwaves-demo-$1.wav" \
        -af "apad=pad_dur=1" -ac 1 -ar 22050 -codec:a libmp3lame -b:a 32k \
        -metadata title="$2" -metadata artist="Airwaves demo" "audio/$1.mp3"
    rm -f "/tmp/airwaves-demo-$1.wav"
}

speak root-cause "My new book. Root cause, stories from two decades of backend bugs. This is a short demo recording bundled with Airwaves."
speak db-connection "The hidden cost of a database connection. A demo episode of the Backend Engineering Show."
speak hol-blocking "Head of line blocking, from TCP to HTTP 3. A demo episode of the Backend Engineering Show."
speak postgres-vacuum "Postgres vacuum, explained without the fear. A demo episode of the Backend Engineering Show."
speak why-ice-floats "Why ice floats. A demo episode of Small Science."
speak smell-of-rain "The smell of rain. A demo episode of Small Science."
speak lighthouse-radio "The lighthouse keeper's radio. A demo episode of Evening Tales."
speak quiet-streets "A map of the quiet streets. A demo episode of Evening Tales."

art() {  # art NAME "Title" "Line 2" colour1 colour2
    cat > "art/$1.svg" <<SVG
<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 600 600" width="600" height="600">
<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="$4"/><stop offset="1" stop-color="$5"/></linearGradient></defs>
<rect width="600" height="600" fill="url(#g)"/>
<circle cx="470" cy="130" r="70" fill="none" stroke="#fff" stroke-opacity=".35" stroke-width="14"/>
<circle cx="470" cy="130" r="120" fill="none" stroke="#fff" stroke-opacity=".2" stroke-width="14"/>
<text x="50" y="420" font-family="DejaVu Sans, Arial, sans-serif" font-size="62" font-weight="700" fill="#fff">$2</text>
<text x="50" y="495" font-family="DejaVu Sans, Arial, sans-serif" font-size="44" fill="#fff" fill-opacity=".85">$3</text>
</svg>
SVG
}
art backend-engineering-show "Backend" "Engineering Show" "#1b1464" "#5b3df5"
art small-science "Small" "Science" "#0b6e4f" "#44c4a1"
art evening-tales "Evening" "Tales" "#7a1f3d" "#f08a4b"

# Raster copies of the artwork: the site makes its thumbnails with Pillow, which does not
# rasterise SVG (airwaves/demo/load.py stores these through the artwork resize path).
for svg in art/*.svg; do
    chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=600,600 \
        --screenshot="/tmp/airwaves-demo-art.png" "file://$PWD/$svg" >/dev/null 2>&1
    ../../../../.venv/bin/python -c "import sys; from PIL import Image; Image.open(sys.argv[1]).convert('RGB').save(sys.argv[2], quality=88, optimize=True, progressive=True)" \
        /tmp/airwaves-demo-art.png "${svg%.svg}.jpg"
    rm -f /tmp/airwaves-demo-art.png
done
