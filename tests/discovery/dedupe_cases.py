"""Labelled multi-source de-duplication cases for discovery.

Each case: the artist, then the items several sources listed, each with the label of the video it
must end up in. Items with the same label are one video; different labels must stay apart.
Sources: imvdb (i), musicbrainz (m), theaudiodb (a), youtube (y).
"""

from __future__ import annotations

Item = tuple[str, str, str | None, str]  # source, title as listed, youtube id, expected video label
Case = tuple[str, list[Item]]

CASES: list[Case] = [
    # --- one song, many spellings --------------------------------------------------------------
    (
        "Queen",
        [
            ("i", "Don't Stop Me Now", None, "A"),
            ("y", "Queen - Don't Stop Me Now (Official Video)", None, "A"),
            ("a", "Don\u2019t Stop Me Now", None, "A"),
            ("m", "Dont Stop Me Now", None, "A"),
        ],
    ),
    (
        "Queen",
        [
            ("i", "Bohemian Rhapsody", "fJ9rUzIMcZQ", "A"),
            ("y", "Bohemian Rhapsody (Official Video Remastered)", "fJ9rUzIMcZQ", "A"),
            ("a", "Bohemian Rhapsody", None, "A"),
        ],
    ),
    (
        "OutKast",
        [
            ("i", "Hey Ya!", None, "A"),
            ("y", "OutKast - Hey Ya! (Official HD Video)", None, "A"),
            ("m", "Hey Ya", None, "A"),
        ],
    ),
    (
        "Simon & Garfunkel",
        [
            ("i", "Mrs. Robinson", None, "A"),
            ("m", "Mrs Robinson", None, "A"),
            ("y", "Simon & Garfunkel - Mrs. Robinson (Audio)", None, "B"),
        ],
    ),
    (
        "Guns N' Roses",
        [
            ("i", "Sweet Child O' Mine", None, "A"),
            ("a", "Sweet Child o' Mine", None, "A"),
            ("y", "Guns N' Roses - Sweet Child O' Mine (Official Music Video)", None, "A"),
        ],
    ),
    (
        "Björk",
        [("i", "Jóga", None, "A"), ("m", "Joga", None, "A"), ("y", "Björk - Jóga (Official Music Video)", None, "A")],
    ),
    (
        "Sigur Rós",
        [
            ("i", "Hoppípolla", None, "A"),
            ("a", "Hoppipolla", None, "A"),
            ("y", "Sigur Rós - Hoppípolla (Official Video)", None, "A"),
        ],
    ),
    (
        "Earth, Wind & Fire",
        [
            ("i", "September", None, "A"),
            ("y", "Earth, Wind & Fire - September (Official Video)", None, "A"),
            ("m", "September", None, "A"),
        ],
    ),
    (
        "AC/DC",
        [
            ("i", "Thunderstruck", None, "A"),
            ("y", "AC/DC - Thunderstruck (Official Video)", None, "A"),
            ("a", "Thunderstruck", None, "A"),
        ],
    ),
    (
        "Daft Punk",
        [
            ("i", "Harder, Better, Faster, Stronger", None, "A"),
            ("a", "Harder Better Faster Stronger", None, "A"),
            ("y", "Daft Punk - Harder, Better, Faster, Stronger (Official Video)", None, "A"),
        ],
    ),
    (
        "Beyoncé",
        [
            ("i", "Crazy in Love", None, "A"),
            ("m", "Crazy In Love", None, "A"),
            ("y", "Beyoncé - Crazy In Love ft. JAY Z", None, "A"),
        ],
    ),
    (
        "Mark Ronson",
        [
            ("i", "Uptown Funk", None, "A"),
            ("y", "Mark Ronson - Uptown Funk (Official Video) ft. Bruno Mars", None, "A"),
            ("a", "Uptown Funk (feat. Bruno Mars)", None, "A"),
        ],
    ),
    (
        "The Beatles",
        [("i", "Hey Jude", None, "A"), ("m", "Hey Jude", None, "A"), ("y", "The Beatles - Hey Jude", None, "A")],
    ),
    (
        "Panic! at the Disco",
        [
            ("i", "I Write Sins Not Tragedies", None, "A"),
            ("y", "Panic! At The Disco: I Write Sins Not Tragedies [OFFICIAL VIDEO]", None, "A"),
        ],
    ),
    (
        "a-ha",
        [
            ("i", "Take on Me", None, "A"),
            ("a", "Take On Me", None, "A"),
            ("y", "a-ha - Take On Me (Official Video) [4K]", None, "A"),
        ],
    ),
    (
        "Nena",
        [
            ("i", "99 Luftballons", None, "A"),
            ("y", "Nena - 99 Luftballons (Official Video)", None, "A"),
            ("m", "99 Red Balloons", None, "B"),
        ],
    ),
    (
        "Gorillaz",
        [
            ("i", "Feel Good Inc.", None, "A"),
            ("m", "Feel Good Inc", None, "A"),
            ("y", "Gorillaz - Feel Good Inc. (Official Video)", None, "A"),
        ],
    ),
    (
        "Kendrick Lamar",
        [("i", "HUMBLE.", None, "A"), ("y", "Kendrick Lamar - HUMBLE.", None, "A"), ("a", "Humble", None, "A")],
    ),
    ("Kanye West", [("i", "Stronger", None, "A"), ("y", "Kanye West - Stronger", None, "A")]),
    (
        "Rammstein",
        [
            ("i", "Du hast", None, "A"),
            ("a", "Du Hast", None, "A"),
            ("y", "Rammstein - Du Hast (Official 4K Video)", None, "A"),
        ],
    ),
    (
        "Stromae",
        [("i", "Alors on danse", None, "A"), ("y", "Stromae - Alors On Danse (Official Music Video)", None, "A")],
    ),
    (
        "宇多田ヒカル",
        [("i", "First Love", None, "A"), ("y", "宇多田ヒカル - First Love", None, "A"), ("m", "First Love", None, "A")],
    ),
    ("BTS", [("i", "Dynamite", None, "A"), ("y", "BTS (방탄소년단) 'Dynamite' Official MV", None, "A")]),
    ("Fairuz", [("i", "Kifak Inta", None, "A"), ("a", "Kifak Inta", None, "A")]),
    (
        "Prince",
        [
            ("i", "Purple Rain", None, "A"),
            ("y", "Prince - Purple Rain (Official Video)", None, "A"),
            ("y", "Prince & The Revolution - Purple Rain (Live)", None, "B"),
        ],
    ),
    (
        "Taylor Swift",
        [
            ("i", "Shake It Off", None, "A"),
            ("y", "Taylor Swift - Shake It Off", None, "A"),
            ("y", "Taylor Swift - Shake It Off (Lyric Video)", None, "B"),
        ],
    ),
    # --- a typo in one source ---------------------------------------------------------------------
    ("Radiohead", [("i", "Karma Police", None, "A"), ("a", "Karma Polic", None, "A")]),
    ("Nirvana", [("i", "Smells Like Teen Spirit", None, "A"), ("m", "Smells Like Teen Sprit", None, "A")]),
    (
        "Coldplay",
        [
            ("i", "Viva la Vida", None, "A"),
            ("y", "Coldplay - Viva La Vida (Official Video)", None, "A"),
            ("a", "Viva La Vida", None, "A"),
        ],
    ),
    (
        "Oasis",
        [
            ("i", "Wonderwall", None, "A"),
            ("y", "Oasis - Wonderwall (Official Video)", None, "A"),
            ("y", "Oasis - Wonderwall - Remastered", None, "A"),
        ],
    ),
    # --- one YouTube video, titles that disagree --------------------------------------------------
    (
        "Toto",
        [
            ("i", "Africa", "FTQbiNvZqaY", "A"),
            ("y", "Toto - Africa (Official HD Video)", "FTQbiNvZqaY", "A"),
            ("m", "Africa", "FTQbiNvZqaY", "A"),
        ],
    ),
    (
        "Rick Astley",
        [
            ("i", "Never Gonna Give You Up", "dQw4w9WgXcQ", "A"),
            ("y", "Rick Astley - Never Gonna Give You Up (Official Music Video)", "dQw4w9WgXcQ", "A"),
        ],
    ),
    (
        "Eurythmics",
        [
            ("i", "Sweet Dreams (Are Made of This)", "qeMFqkcPYcg", "A"),
            ("y", "Eurythmics - Sweet Dreams", "qeMFqkcPYcg", "A"),
        ],
    ),
    # --- versions of one song stay apart -------------------------------------------------------------
    (
        "Cardi B",
        [
            ("i", "WAP", None, "A"),
            ("y", "Cardi B - WAP feat. Megan Thee Stallion [Official Music Video]", None, "A"),
            ("y", "Cardi B - WAP (Clean Version)", None, "B"),
            ("i", "WAP (Censored)", None, "B"),
        ],
    ),
    (
        "Sir Mix-a-Lot",
        [
            ("i", "Baby Got Back", None, "A"),
            ("y", "Sir Mix-A-Lot - Baby Got Back (Explicit)", None, "B"),
            ("a", "Baby Got Back (Uncensored Version)", None, "B"),
        ],
    ),
    (
        "Nirvana",
        [
            ("i", "Smells Like Teen Spirit", None, "A"),
            ("i", "Smells Like Teen Spirit (Director's Cut)", None, "B"),
            ("y", "Nirvana - Smells Like Teen Spirit (Directors Cut)", None, "B"),
        ],
    ),
    (
        "Guns N' Roses",
        [
            ("i", "November Rain", None, "A"),
            ("y", "Guns N' Roses - November Rain (Alternate Version)", None, "B"),
            ("a", "November Rain (Alternative Version)", None, "B"),
        ],
    ),
    (
        "Eiffel 65",
        [
            ("i", "Blue (Da Ba Dee)", None, "A"),
            ("y", "Eiffel 65 - Blue (Da Ba Dee) (Gabry Ponte Remix)", None, "B"),
            ("i", "Blue (Da Ba Dee) [Gabry Ponte Remix]", None, "B"),
        ],
    ),
    (
        "Muse",
        [
            ("i", "Uprising", None, "A"),
            ("y", "Muse - Uprising (Live from Wembley Stadium)", None, "B"),
            ("y", "Muse - Uprising [Live At Rome Olympic Stadium]", None, "C"),
        ],
    ),
    (
        "Nine Inch Nails",
        [("i", "Hurt", None, "A"), ("y", "Nine Inch Nails - Hurt (Live at Glastonbury 2009)", None, "B")],
    ),
    (
        "Madonna",
        [
            ("i", "Like a Prayer", None, "A"),
            ("i", "Like a Prayer (Extended Version)", None, "B"),
            ("a", "Like a Prayer (Extended)", None, "B"),
        ],
    ),
    (
        "Linkin Park",
        [
            ("i", "Numb", None, "A"),
            ("y", "Linkin Park - Numb (Official Music Video) [4K UPGRADE]", None, "A"),
            ("i", "Numb/Encore", None, "B"),
        ],
    ),
    (
        "Eminem",
        [
            ("i", "Without Me", None, "A"),
            ("y", "Eminem - Without Me (Official Music Video)", None, "A"),
            ("y", "Eminem - Without Me (Clean)", None, "B"),
            ("a", "Without Me (Edited Version)", None, "B"),
        ],
    ),
    (
        "Billie Eilish",
        [
            ("i", "bad guy", None, "A"),
            ("y", "Billie Eilish - bad guy (Official Lyric Video)", None, "B"),
            ("y", "Billie Eilish - bad guy (Official Audio)", None, "C"),
        ],
    ),
    (
        "Arctic Monkeys",
        [
            ("i", "Do I Wanna Know?", None, "A"),
            ("y", "Arctic Monkeys - Do I Wanna Know? (Official Video)", None, "A"),
            ("y", "Arctic Monkeys - Do I Wanna Know? (Live at Glastonbury)", None, "B"),
        ],
    ),
    (
        "Adele",
        [
            ("i", "Hello", None, "A"),
            ("y", "Adele - Hello (Live at the NRJ Awards)", None, "B"),
            ("y", "Adele - Hello", None, "A"),
        ],
    ),
    (
        "Massive Attack",
        [
            ("i", "Teardrop", None, "A"),
            ("y", "Massive Attack - Teardrop (Official Video)", None, "A"),
            ("y", "Massive Attack - Teardrop (Acoustic)", None, "B"),
        ],
    ),
    # --- different songs that look alike stay apart --------------------------------------------------
    (
        "Blur",
        [
            ("i", "Song 2", None, "A"),
            ("y", "Blur - Song 2 (Official Music Video)", None, "A"),
            ("i", "Song 3", None, "B"),
        ],
    ),
    ("Adele", [("i", "Hello", None, "A"), ("i", "Hello Again", None, "B")]),
    ("Billie Eilish", [("i", "Bad Guy", None, "A"), ("i", "Bad", None, "B")]),
    (
        "Michael Jackson",
        [
            ("i", "Bad", None, "A"),
            ("i", "Beat It", None, "B"),
            ("i", "Black or White", None, "C"),
            ("y", "Michael Jackson - Bad (Official Video)", None, "A"),
        ],
    ),
    (
        "Pink Floyd",
        [
            ("i", "Another Brick in the Wall, Part 2", None, "A"),
            ("m", "Another Brick in the Wall (Part 2)", None, "A"),
            ("a", "Another Brick in the Wall, Pt. 2", None, "A"),
            ("i", "Another Brick in the Wall, Part 1", None, "B"),
        ],
    ),
    ("Kendrick Lamar", [("i", "LOVE.", None, "A"), ("i", "LOYALTY.", None, "B"), ("i", "DNA.", None, "C")]),
    ("Beyoncé", [("i", "Formation", None, "A"), ("i", "Sorry", None, "B"), ("i", "Hold Up", None, "C")]),
    (
        "U2",
        [
            ("i", "One", None, "A"),
            ("i", "One Tree Hill", None, "B"),
            ("y", "U2 - One (Official Music Video)", None, "A"),
        ],
    ),
    (
        "The Weeknd",
        [
            ("i", "Blinding Lights", None, "A"),
            ("i", "Save Your Tears", None, "B"),
            ("i", "Save Your Tears (Remix)", None, "C"),
            ("y", "The Weeknd - Blinding Lights (Official Video)", None, "A"),
        ],
    ),
    (
        "Metallica",
        [
            ("i", "One", None, "A"),
            ("i", "The Unforgiven", None, "B"),
            ("i", "The Unforgiven II", None, "C"),
            ("i", "The Unforgiven III", None, "D"),
        ],
    ),
    ("Taylor Swift", [("i", "22", None, "A"), ("i", "Style", None, "B"), ("i", "You Belong with Me", None, "C")]),
    (
        "Daft Punk",
        [
            ("i", "One More Time", None, "A"),
            ("i", "Around the World", None, "B"),
            ("y", "Daft Punk - One More Time (Official Video)", None, "A"),
        ],
    ),
    ("Justin Timberlake", [("i", "Mirrors", None, "A"), ("i", "Mirror", None, "B")]),
    ("The Chainsmokers", [("i", "Closer", None, "A"), ("i", "Close", None, "B")]),
    ("Red Hot Chili Peppers", [("i", "Californication", None, "A"), ("i", "California", None, "B")]),
    ("Beyoncé", [("i", "Halo", None, "A"), ("i", "Hello", None, "B")]),
    (
        "Rihanna",
        [
            ("i", "Umbrella", None, "A"),
            ("y", "Rihanna - Umbrella (Orange Version) ft. JAY-Z", None, "B"),
            ("y", "Rihanna - Umbrella (Official Music Video) ft. JAY-Z", None, "A"),
        ],
    ),
]
