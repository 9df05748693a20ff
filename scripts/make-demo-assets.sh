#!/bin/sh
# Regenerates the demo's audio (speech by espeak-ng, tones and silence by sox, MP3 by
# ffmpeg) and artwork. The results are committed, so `airwaves serve --demo` needs none of
# these tools; run this only to change them:
#   sh scripts/make-demo-assets.sh            (installs espeak-ng and sox with apt-get if missing)
#
# Episodes last exactly what their feed's itunes:duration says, and each chapter of the
# feed (psc:chapters, also listed in the show notes) starts at its time with a chime and its
# spoken title (tests/demo checks both against the files): the start times given to
# `episode` below are the feed's. Speech is mono 16 kbit/s: the whole demo stays a few MB.
set -eu
cd "$(dirname "$0")/../airwaves/static/airwaves/demo"
DEMO="$PWD"
VENV_PYTHON="$DEMO/../../../../.venv/bin/python"

missing=""
command -v espeak-ng >/dev/null || missing="$missing espeak-ng"
command -v sox >/dev/null || missing="$missing sox"
command -v ffmpeg >/dev/null || missing="$missing ffmpeg"
if [ -n "$missing" ]; then
    apt-get install -y $missing >/dev/null
fi

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
RATE=16000

say() {  # say OUT.wav "text": speech at the demo's sample rate
    espeak-ng -s 150 -v en-us -w "$WORK/say.wav" "$2"
    sox "$WORK/say.wav" -r "$RATE" -c 1 "$1"
}

seconds() {  # seconds FILE: its duration as a decimal number
    soxi -D "$1"
}

chime() {  # chime OUT.wav: the half second that marks a chapter's start
    sox -n -r "$RATE" -c 1 "$1" synth 0.5 sine 880 fade q 0.01 0.5 0.4 gain -8
}

# A quiet bed between chapters: a soft low tone every ten seconds over silence.
sox -n -r "$RATE" -c 1 "$WORK/tick.wav" synth 0.3 sine 330 fade q 0.05 0.3 0.2 gain -24
sox "$WORK/tick.wav" -p pad 0 9.7 | sox - "$WORK/bed.wav" repeat 80

chapter() {  # chapter OUT.wav LENGTH "spoken text": chime, speech, then the bed, LENGTH s long
    chime "$WORK/chime.wav"
    say "$WORK/speech.wav" "$3"
    used=$(echo "$(seconds "$WORK/chime.wav") $(seconds "$WORK/speech.wav")" | awk '{ print $1 + $2 + 1 }')
    # The last two seconds before the next chapter are silent, so its chime stands out.
    bed=$(echo "$2 $used" | awk '{ b = $1 - $2 - 2; print (b > 0 ? b : 0) }')
    sox -n -r "$RATE" -c 1 "$WORK/gap.wav" trim 0 1
    sox "$WORK/bed.wav" "$WORK/bedcut.wav" trim 0 "$bed"
    sox "$WORK/chime.wav" "$WORK/speech.wav" "$WORK/gap.wav" "$WORK/bedcut.wav" "$1" pad 0 3 trim 0 "$2"
}

episode() {  # episode NAME TITLE TOTAL START1 "TEXT1" [START2 "TEXT2" ...]: times in seconds
    name=$1 title=$2 total=$3
    shift 3
    parts=""
    index=0
    while [ $# -gt 0 ]; do
        start=$1 text=$2
        shift 2
        end=$([ $# -gt 0 ] && echo "$1" || echo "$total")
        index=$((index + 1))
        chapter "$WORK/part$index.wav" $((end - start)) "$text"
        parts="$parts $WORK/part$index.wav"
    done
    # shellcheck disable=SC2086 (the parts are separate files)
    sox $parts "$WORK/episode.wav" trim 0 "$total"
    # Constant bitrate with an Info header: players and ffprobe read the exact duration.
    ffmpeg -loglevel error -y -i "$WORK/episode.wav" -ac 1 -ar "$RATE" \
        -codec:a libmp3lame -b:a 16k -metadata title="$title" -metadata artist="Airwaves demo" \
        "audio/$name.mp3"
    size=$(wc -c < "audio/$name.mp3" | tr -d ' ')
    sed -i "s|url=\"../audio/$name.mp3\" length=\"[0-9]*\"|url=\"../audio/$name.mp3\" length=\"$size\"|" feeds/*.xml
}

episode root-cause "My new book - Root cause, Stories from two decades of backend bugs" 588 \
    0 "My new book. Root cause, stories from two decades of backend bugs. This is the demo recording of the Backend Engineering Show bundled with Airwaves. Chapter one: intro. Each chapter of the book is a bug met in production." \
    130 "Chapter two, at two minutes ten: why a book of bugs. Bugs are where systems tell the truth about themselves." \
    390 "Chapter three, at six minutes thirty: the connection pool that lied. It reported free connections that were long gone."
episode db-connection "The hidden cost of a database connection" 245 \
    0 "The hidden cost of a database connection. A demo episode of the Backend Engineering Show. Opening a connection costs a handshake, encryption, authentication and a backend process."
episode hol-blocking "Head-of-line blocking, from TCP to HTTP/3" 205 \
    0 "Head of line blocking, from TCP to HTTP 3. A demo episode of the Backend Engineering Show. One lost packet can stall every stream on a connection."
episode postgres-vacuum "Postgres vacuum, explained without the fear" 192 \
    0 "Postgres vacuum, explained without the fear. A demo episode of the Backend Engineering Show. Postgres keeps dead rows around until vacuum reclaims them."
episode why-ice-floats "Why ice floats" 160 \
    0 "Why ice floats. A demo episode of Small Science. Water expands when it freezes, so ice is lighter than the water around it."
episode smell-of-rain "The smell of rain" 135 \
    0 "The smell of rain. A demo episode of Small Science. The smell has a name: petrichor."
episode lighthouse-radio "The lighthouse keeper's radio" 210 \
    0 "The lighthouse keeper's radio. A demo episode of Evening Tales. Every night at nine, the old radio in the lamp room crackled into life."
episode quiet-streets "A map of the quiet streets" 182 \
    0 "A map of the quiet streets. A demo episode of Evening Tales. She drew only the streets where nobody ever hurried."

# The demo radio station (airwaves/demo/station.py plays these in a loop, as an endless
# MP3 stream and as HLS): short programmes, each with the title its ICY metadata carries.
# Mono 32 kbit/s at 22050 Hz, without ID3 tags or an Info frame: the files are played back
# to back as one stream, so each must be nothing but MP3 frames.
mkdir -p station
rm -f station/*.mp3
programme() {  # programme FILE: encode $WORK/programme.wav as a bare MP3 of the station
    ffmpeg -loglevel error -y -i "$WORK/programme.wav" -ac 1 -ar 22050 -codec:a libmp3lame \
        -b:a 32k -write_xing 0 -id3v2_version 0 -write_id3v1 0 -f mp3 "station/$1.mp3"
}
spoken_programme() {  # spoken_programme FILE "text"
    chime "$WORK/chime.wav"
    say "$WORK/speech.wav" "$2"
    sox "$WORK/chime.wav" "$WORK/speech.wav" "$WORK/programme.wav" pad 0 0.5
    programme "$1"
}
spoken_programme 1-ident "You are listening to Airwaves Demo Radio, the station made for the Airwaves demo."
sox -n -r 22050 -c 1 "$WORK/programme.wav" synth 6 sine 440 fade q 0.5 6 1 gain -10
programme 2-a440
spoken_programme 3-weather "The weather on Airwaves Demo Radio: clear skies over localhost, with a light breeze of packets."
for note in 261.63 329.63 392; do
    sox -n -r 22050 -c 1 "$WORK/note-$note.wav" synth 6 sine "$note" gain -14
done
sox -m "$WORK"/note-*.wav "$WORK/programme.wav" fade q 0.5 6 1
programme 4-chord
spoken_programme 5-time "This is the time signal of Airwaves Demo Radio. Every programme changes the title you see in the player."
sox -n -r 22050 -c 1 "$WORK/programme.wav" synth 6 sine 300-900 fade q 0.5 6 1 gain -10
programme 6-sweep

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
if [ "${DEMO_SKIP_ART:-}" != "1" ]; then
    art backend-engineering-show "Backend" "Engineering Show" "#1b1464" "#5b3df5"
    art small-science "Small" "Science" "#0b6e4f" "#44c4a1"
    art evening-tales "Evening" "Tales" "#7a1f3d" "#f08a4b"

    # Raster copies of the artwork: the site makes its thumbnails with Pillow, which does not
    # rasterise SVG (airwaves/demo/load.py stores these through the artwork resize path).
    for svg in art/*.svg; do
        chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=600,600 \
            --screenshot="$WORK/art.png" "file://$PWD/$svg" >/dev/null 2>&1
        "$VENV_PYTHON" -c "import sys; from PIL import Image; Image.open(sys.argv[1]).convert('RGB').save(sys.argv[2], quality=88, optimize=True, progressive=True)" \
            "$WORK/art.png" "${svg%.svg}.jpg"
    done
fi
