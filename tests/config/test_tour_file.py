"""presets/tour.toml: every stop checked on load, the history's names and dates where the lessons need them."""

from __future__ import annotations

import pytest

from tuinn.config import ConfigError, load_preset
from tuinn.config.tour_file import load_tour

GOOD = '[[stop]]\npreset = "and"\ntitle = "t"\nwhen = "1958"\nexpect = "meets"\nhistory = "h"\nlook = "l"\ntry = "t"\n'


def test_the_tour_visits_the_history_in_order():
    presets = [s.preset for s in load_tour()]
    assert presets == [
        "and",
        "perceptron-xor",
        "xor",
        "spiral",
        "circle",
        "deep-sigmoid",
        "digits-small-shallow",
        "digits-small-deep",
        "deep-sigmoid-pretrained",
        "deep-relu",
        "deep-maxout",
        "dense-vs-conv",
        "seed-conv",
        "digits-cnn",
    ]
    misses = {s.preset for s in load_tour() if s.expect == "misses"}
    assert misses == {"perceptron-xor", "deep-sigmoid", "digits-small-deep"}
    assert all(bool(load_preset(p).target.explain_miss) for p in misses)  # each says why it fails


@pytest.mark.parametrize(
    ("preset", "names"),
    [
        ("and", ["Frank Rosenblatt", "1958"]),
        ("perceptron-xor", ["Minsky", "Papert", "1969"]),
        ("xor", ["Paul Werbos", "1974", "David Rumelhart, Geoffrey Hinton", "Ronald Williams", "1986"]),
        ("deep-sigmoid-pretrained", ["Geoffrey Hinton and Ruslan Salakhutdinov", "2006", "Science"]),
        ("deep-relu", ["Vinod Nair and Geoffrey", "2010", "Xavier Glorot, Antoine Bordes and Yoshua Bengio", "2011"]),
        ("deep-maxout", ["Ian Goodfellow", "2013"]),
        ("dense-vs-conv", ["Yann LeCun", "1989", "1998", "1,000,001,000,000"]),
    ],
)
def test_each_chapter_names_its_people_and_dates(preset, names):
    stop = next(s for s in load_tour() if s.preset == preset)
    for name in names:
        assert name in stop.history, (preset, name)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('preset = "and"', 'preset = "andd"', "stop 1: key 'preset': unknown preset 'andd'"),
        ('expect = "meets"', 'expect = "fails"', "stop 1: key 'expect': must be one of meets, misses"),
        ('look = "l"', 'look = ""', "stop 1: key 'look': must be a non-empty string"),
        ('try = "t"', 'try = "t"\ncolour = "red"', "stop 1: key 'colour': unknown key"),
        ('try = "t"', 'try = "t"\ntable = "nope"', "stop 1: key 'table': unknown preset 'nope'"),
        ('try = "t"', 'try = "t"\nstart = "later"', "stop 1: key 'start': must be one of watch, paused"),
        ('try = "t"', 'try = "t"\n[[stop.check]]\nlayer = "dense_1"\n', "key 'check[1]': needs one of"),
        (
            'try = "t"',
            'try = "t"\n[[stop.check]]\nlayer = "dense_1"\nweights = 3\n',
            "key 'check[1].weights': unknown key",
        ),
        (
            'try = "t"',
            'try = "t"\n[[stop.check]]\nlayer = "dense_1"\nneurons = -1\n',
            "key 'check[1].neurons': must be",
        ),
        ("[[stop]]", 'title = "x"\n[[stop]]', "needs [[stop]] tables and nothing else"),
        ("[[stop]]", "[[stop", "not valid TOML"),
    ],
)
def test_bad_tour_files_name_the_stop_and_key(old, new, message):
    with pytest.raises(ConfigError) as err:
        load_tour(GOOD.replace(old, new), "mine.toml")
    assert str(err.value).startswith("mine.toml: ") and message in str(err.value)


def test_the_comparison_stops_name_the_run_they_compare_with():
    """The limited-data pair (stop 8 against stop 7) and ReLU against the vanishing gradient."""
    compares = {s.preset: s.compare for s in load_tour() if s.compare}
    assert compares == {"digits-small-deep": "digits-small-shallow", "deep-relu": "deep-sigmoid"}


@pytest.mark.parametrize(
    ("compare", "message"),
    [
        ('"nonesuch"', "key 'compare': must be 'previous' or a preset's name"),
        ("3", "key 'compare': must be 'previous' or a preset's name"),
    ],
)
def test_a_bad_comparison_is_refused_naming_the_stop(compare, message):
    with pytest.raises(ConfigError, match=f"stop 2: {message}"):
        load_tour(GOOD + "\n" + GOOD + f"compare = {compare}\n")


def test_previous_means_the_stop_before_and_the_first_stop_has_none():
    second = GOOD.replace('"and"', '"xor"') + 'compare = "previous"\n'
    assert load_tour(GOOD + "\n" + second)[1].compare == "and"
    with pytest.raises(ConfigError, match="stop 1: key 'compare': the first stop has no previous stop"):
        load_tour(GOOD + 'compare = "previous"\n')
