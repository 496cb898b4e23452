"""Face recognition for the webcam door: encoders, residents, camera, recognition, door.

No Qt and no TensorFlow below this package: the embedded encoder is dlib's ResNet
(``dlib_encoder``); the course's Keras FaceNet lives in ``engine/keras_models/facenet.py``.
"""
