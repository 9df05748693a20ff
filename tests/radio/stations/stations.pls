[playlist]
NumberOfEntries=3
File1=http://rock.example.org/classic
Title1=(#1 - 23/500) Classic Rock 101
Length1=-1
File2=http://blues.example.org/stream
Title2=Blues Radio
Length2=-1
File3=gopher://old.example.org/radio
Title3=Gopher Radio
Version=2
