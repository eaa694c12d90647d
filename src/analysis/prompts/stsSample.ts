/**
 * The built-in sentence pairs of the semantic-similarity analysis: 40 English pairs written for
 * Layer Lens, each scored 0–5 on the STS scale (5: the same meaning; 4: the same apart from a minor
 * detail; 3: roughly the same, an important detail differs; 2: not the same, some details shared;
 * 1: the same topic only; 0: unrelated), with scores spread over the whole range. A quick check that
 * the procedure runs; a published set (STS-B, SICK) gives figures to compare with others'.
 */

/** [sentence 1, sentence 2, score]. */
export const STS_SAMPLE_PAIRS: ReadonlyArray<readonly [string, string, number]> = [
  ['A woman is slicing an onion.', 'A woman is cutting an onion into slices.', 5],
  ['The train to the coast leaves at nine.', 'At nine o’clock the train to the coast departs.', 5],
  ['He forgot his umbrella at the office.', 'He left his umbrella behind at work.', 4.8],
  ['Two children are playing football in the park.', 'Two kids are kicking a ball around in a park.', 4.6],
  ['The museum is closed on Mondays.', 'On Mondays the museum does not open.', 5],
  ['A cat is sleeping on the windowsill.', 'A cat naps on the window ledge.', 4.6],
  ['The company hired twenty new engineers this year.', 'This year the firm took on twenty new engineers.', 4.8],
  ['She paints landscapes in the morning.', 'In the mornings she paints landscapes.', 5],
  ['A man is playing a guitar on stage.', 'A man is playing a violin on stage.', 3.4],
  ['The bakery sells fresh bread every morning.', 'The bakery sells fresh cakes every afternoon.', 2.8],
  ['The river flooded the village after the storm.', 'After heavy rain, the village was flooded by the river.', 4.2],
  ['A dog is running across a snowy field.', 'A dog runs through the grass.', 3],
  ['The meeting was moved to Thursday.', 'The meeting was cancelled.', 2.2],
  ['My brother bought a red bicycle.', 'My sister sold her blue bicycle.', 1.6],
  ['The students are taking an exam in the hall.', 'Students sit an exam in the main hall.', 4.4],
  ['The chef added salt to the soup.', 'The chef added pepper to the soup.', 3.2],
  ['A plane is landing at the airport.', 'An airplane is taking off from the runway.', 2.4],
  ['The price of coffee rose sharply last month.', 'Coffee prices went up steeply last month.', 4.8],
  ['He is reading a newspaper on the bus.', 'He is reading a book on the train.', 2.6],
  ['The library opens at eight and closes at six.', 'The library is open from eight to six.', 4.6],
  ['A girl is riding a horse along the beach.', 'A girl is walking her dog on the beach.', 2],
  ['The team won the championship in overtime.', 'The team lost the final in overtime.', 2.2],
  ['Scientists discovered a new species of frog.', 'A new kind of frog was found by researchers.', 4.6],
  ['The phone battery died during the call.', 'The call dropped because the phone ran out of battery.', 4],
  ['A woman is watering the plants on her balcony.', 'A man is repairing a roof.', 0.4],
  ['The concert starts at seven tonight.', 'Tonight’s football match begins at seven.', 1.2],
  ['Prices for houses in the city keep falling.', 'The city’s population keeps growing.', 1],
  ['A boy is eating an apple.', 'The stock market closed higher today.', 0],
  ['The teacher explained the lesson twice.', 'The recipe needs two eggs and some flour.', 0],
  ['Heavy snow closed the mountain roads.', 'Mountain roads were shut because of heavy snowfall.', 5],
  ['She plays the piano every evening.', 'He plays chess every weekend.', 0.8],
  ['The old bridge was repaired last summer.', 'Workers fixed the old bridge last summer.', 4.6],
  ['A man is jogging along the river.', 'A man is swimming in the river.', 2.4],
  ['The hospital opened a new children’s ward.', 'A new ward for children opened at the hospital.', 5],
  ['The printer is out of paper.', 'The kettle is boiling in the kitchen.', 0.2],
  ['Tourists are taking photos of the cathedral.', 'Visitors photograph the old church.', 3.8],
  ['The farmer harvested the wheat early.', 'The wheat harvest was late this year.', 1.8],
  ['A baby is laughing at a puppy.', 'A puppy makes a baby laugh.', 4.4],
  ['The election results were announced at midnight.', 'Voters queued at the polling stations in the morning.', 1.4],
  ['Two men are carrying a sofa up the stairs.', 'Two people carry a couch upstairs.', 4.6],
];
