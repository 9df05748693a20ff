[playlist]
NumberOfEntries=3
File1=http://radio.example.org:8000/live.mp3
Title1=(#1 - 2/250) Airwaves Test Radio: hits, and more hits
Length1=-1
File2=http://backup.radio.example.org/live.mp3
Title2=Airwaves Test Radio (backup)
Length2=-1
File3=https://radio.example.org/live-aac
Title3=Airwaves Test Radio AAC+
Length3=-1
Version=2
