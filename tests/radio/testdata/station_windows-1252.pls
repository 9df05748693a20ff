[playlist]
NumberOfEntries=1
File1=http://radio.example.org:8000/live.mp3
Title1=Radio Fünf – Nachrichten
